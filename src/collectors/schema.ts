/**
 * Declared shapes of collector resources. Control expressions are type-checked against these at
 * load time, and collector output is converted to CEL values through them at evaluation time
 * (integers become CEL ints, ISO-8601 strings become CEL timestamps).
 */
export type FieldType =
  | { kind: "string"; nullable?: boolean }
  | { kind: "int"; nullable?: boolean }
  | { kind: "double"; nullable?: boolean }
  | { kind: "bool"; nullable?: boolean }
  | { kind: "timestamp"; nullable?: boolean }
  | { kind: "list"; of: FieldType; nullable?: boolean }
  | { kind: "map"; of: FieldType; nullable?: boolean }
  | { kind: "object"; fields: Record<string, FieldType>; nullable?: boolean }
  /** Any JSON value; expressions that use it are not type-checked past this point. */
  | { kind: "dyn"; nullable?: boolean };

export type ObjectType = Extract<FieldType, { kind: "object" }>;

export const t = {
  string: (): FieldType => ({ kind: "string" }),
  int: (): FieldType => ({ kind: "int" }),
  double: (): FieldType => ({ kind: "double" }),
  bool: (): FieldType => ({ kind: "bool" }),
  timestamp: (): FieldType => ({ kind: "timestamp" }),
  dyn: (): FieldType => ({ kind: "dyn" }),
  list: (of: FieldType): FieldType => ({ kind: "list", of }),
  map: (of: FieldType): FieldType => ({ kind: "map", of }),
  object: (fields: Record<string, FieldType>): ObjectType => ({ kind: "object", fields }),
  nullable: (type: FieldType): FieldType => ({ ...type, nullable: true }),
};

/**
 * Builds a resource schema: every resource has a string `id` and a `classes` list (the data
 * classification attached by the collector; empty when no selector matched).
 */
export function resourceSchema(fields: Record<string, FieldType>): ObjectType {
  return t.object({ id: t.string(), classes: t.list(t.string()), ...fields });
}

export function describeType(type: FieldType): string {
  let name: string;
  switch (type.kind) {
    case "list":
      name = `list(${describeType(type.of)})`;
      break;
    case "map":
      name = `map(string, ${describeType(type.of)})`;
      break;
    case "object":
      name = "object";
      break;
    default:
      name = type.kind;
  }
  return type.nullable ? `${name}?` : name;
}
