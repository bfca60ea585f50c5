/** Where an engine keeps its "require TLS" switch, if it has one. */
export interface TlsParameter {
  name: "rds.force_ssl" | "require_secure_transport";
  /** `cluster`: in the DB cluster parameter group; `instance`: in the DB parameter group. */
  level: "cluster" | "instance";
}

/**
 * Finds the parameter that enforces TLS for an engine. Aurora and Multi-AZ DB clusters keep it in
 * the cluster parameter group. Oracle (an option-group setting), Db2 and the Neptune and DocumentDB
 * engines have no such parameter, and get null.
 */
export function tlsParameterFor(engine: string, inCluster: boolean): TlsParameter | null {
  const level = inCluster ? "cluster" : "instance";
  if (engine === "aurora-postgresql") return { name: "rds.force_ssl", level: "cluster" };
  if (engine === "aurora-mysql" || engine === "aurora") return { name: "require_secure_transport", level: "cluster" };
  if (engine === "postgres") return { name: "rds.force_ssl", level };
  if (engine === "mysql" || engine === "mariadb") return { name: "require_secure_transport", level };
  if (engine.startsWith("sqlserver-")) return { name: "rds.force_ssl", level: "instance" };
  return null;
}

/**
 * Reads a TLS switch as a boolean. Groups list an unset parameter without a value; the engine
 * default then applies, which is on only for RDS for PostgreSQL 15 and later (AWS RDS user guide,
 * "Requiring an SSL connection to a PostgreSQL DB instance").
 */
export function tlsEnforced(value: string | undefined, engine: string, engineVersion: string): boolean {
  if (value === undefined || value === "") {
    const major = Number.parseInt(engineVersion.split(".")[0] ?? "", 10);
    return engine === "postgres" && major >= 15;
  }
  return ["1", "on", "true"].includes(value.trim().toLowerCase());
}
