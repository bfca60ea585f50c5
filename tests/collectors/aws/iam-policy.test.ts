import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { IAM_ACTIONS } from "../../../src/collectors/aws/iam.js";
import type { FakeEstate } from "../../fakes/aws/estate.js";
import { startHarness, type Harness } from "./harness.js";

const ROOT = path.resolve(import.meta.dirname, "../../..");

interface Statement {
  Sid: string;
  Effect: string;
  Action: string[];
  Resource: string;
}

async function policyStatements(): Promise<Statement[]> {
  return (JSON.parse(await readFile(path.join(ROOT, "docs/iam-policy.json"), "utf8")) as { Statement: Statement[] }).Statement;
}

async function policyActions(): Promise<Set<string>> {
  return new Set((await policyStatements()).filter((statement) => statement.Effect === "Allow").flatMap((statement) => statement.Action));
}

/** `new XxxCommand(` in the collector sources, with the SDK package each file imports it from (statically or with `import()`). */
async function commandsInSource(): Promise<string[]> {
  const directory = path.join(ROOT, "src/collectors/aws");
  const found: string[] = [];
  for (const file of await readdir(directory)) {
    const text = await readFile(path.join(directory, file), "utf8");
    for (const match of text.matchAll(/new (\w+)Command\(/g)) {
      const local = match[1]!;
      const imported = new RegExp(`(\\w+)Command as ${local}Command[\\s\\S]*?(?:from |import\\()"@aws-sdk/client-([\\w-]+)"`).exec(text)
        ?? new RegExp(`\\b${local}Command\\b[\\s\\S]*?(?:from |import\\()"@aws-sdk/client-([\\w-]+)"`).exec(text);
      if (!imported) throw new Error(`${file}: ${local}Command is not imported from an @aws-sdk client`);
      const [operation, client] = imported.length === 3 ? [imported[1]!, imported[2]!] : [local, imported[1]!];
      found.push(`${client.replace("-", "")}.${operation}`);
    }
  }
  return [...new Set(found)].sort();
}

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("docs/iam-policy.json", () => {
  test("grants every action in the table", async () => {
    const granted = await policyActions();
    for (const action of Object.values(IAM_ACTIONS)) {
      if (action === "sts:GetCallerIdentity") continue; // needs no permission
      expect(granted, action).toContain(action);
    }
  });

  test("grants only read actions", async () => {
    for (const action of await policyActions()) {
      expect(action).toMatch(/^(rds:Describe|s3:Get|s3:List|cloudtrail:Describe|cloudtrail:Get|organizations:List|sts:AssumeRole$)/);
    }
  });

  test("assumes only the audit role", async () => {
    const assume = (await policyStatements()).filter((statement) => statement.Action.includes("sts:AssumeRole"));
    expect(assume).toHaveLength(1);
    expect(assume[0]!.Action).toEqual(["sts:AssumeRole"]);
    expect(assume[0]!.Resource).toBe("arn:aws:iam::*:role/soc2-audit");
  });

  test("covers every command in the source", async () => {
    const commands = await commandsInSource();
    expect(commands).toContain("s3control.GetPublicAccessBlock");
    expect(commands).toContain("s3.GetPublicAccessBlock");
    for (const command of commands) expect(Object.keys(IAM_ACTIONS), command).toContain(command);
  });

  test("covers every call sent in a full run", async () => {
    const estate: FakeEstate = {
      accountId: "111122223333",
      accountPublicAccessBlock: { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true },
      buckets: [{ name: "listed", region: "eu-west-1" }, { name: "unlisted", region: "us-east-1", listedRegion: null }],
      rds: {
        "eu-west-1": {
          instances: [
            { id: "pg", engine: "postgres", engineVersion: "16.4", storageEncrypted: true, multiAz: true, backupRetentionDays: 35, deletionProtection: true, publiclyAccessible: false, parameterGroup: "pg", availabilityZone: "eu-west-1a" },
            { id: "aurora-1", engine: "aurora-postgresql", engineVersion: "16.4", storageEncrypted: true, multiAz: false, backupRetentionDays: 35, deletionProtection: false, publiclyAccessible: false, parameterGroup: "pg", clusterId: "aurora", availabilityZone: "eu-west-1a" },
          ],
          clusters: [{ id: "aurora", engine: "aurora-postgresql", engineVersion: "16.4", storageEncrypted: true, backupRetentionDays: 35, deletionProtection: true, parameterGroup: "aurora", availabilityZones: ["eu-west-1a"] }],
          parameterGroups: { pg: [] },
          clusterParameterGroups: { aurora: [] },
        },
      },
      trails: [{ name: "platform", homeRegion: "eu-west-1", isMultiRegion: true, logFileValidation: true, s3Bucket: "t", isLogging: true }],
      organization: [{ id: "444455556666", name: "member" }],
      members: [{ accountId: "444455556666", roles: [{ name: "soc2-audit" }] }],
    };
    harness = await startHarness(estate);
    for (const collector of ["aws.rds.instances", "aws.rds.clusters", "aws.s3.buckets", "aws.cloudtrail.trails"]) {
      await harness.run(collector);
      await harness.run(collector, { config: { organizations: { role_name: "soc2-audit" } } });
    }

    const granted = await policyActions();
    const sent = [...new Set(harness.fake.calls.map((call) => call.operation))].sort();
    expect(sent).toEqual(Object.keys(IAM_ACTIONS).sort());
    for (const operation of sent) {
      const action = IAM_ACTIONS[operation as keyof typeof IAM_ACTIONS];
      if (action !== "sts:GetCallerIdentity") expect(granted, operation).toContain(action);
    }
  });
});
