import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parsePolicy, type PolicyFields } from "../../../src/collectors/files/policies.js";

const POLICIES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../policies");
/** The day these documents were last brought up to date. The statuses below hold on that day. */
const AS_OF = new Date("2026-12-04T12:00:00Z");

/** Status per policy: data classification, incident response and vendor management are still drafts. */
const EXPECTED_STATUS: Record<string, "draft" | "approved"> = {
  "access-control": "approved",
  "backup-and-recovery": "approved",
  "change-management": "approved",
  "code-of-conduct": "approved",
  "data-classification": "draft",
  "incident-response": "draft",
  "privacy-and-retention": "approved",
  "risk-assessment": "approved",
  "vendor-management": "draft",
};

async function readShippedPolicies(): Promise<Map<string, { policy: PolicyFields; text: string }>> {
  const policies = new Map<string, { policy: PolicyFields; text: string }>();
  for (const name of (await readdir(POLICIES_DIR)).filter((entry) => entry.endsWith(".md")).sort()) {
    const content = await readFile(path.join(POLICIES_DIR, name));
    const { policy, problems } = parsePolicy(content, `policies/${name}`, AS_OF);
    expect(problems, name).toEqual([]);
    policies.set(policy!.id, { policy: policy!, text: content.toString("utf8") });
  }
  return policies;
}

describe("shipped policies", () => {
  it("are exactly the platform's policy set", async () => {
    const policies = await readShippedPolicies();

    expect([...policies.keys()]).toEqual(Object.keys(EXPECTED_STATUS).sort());
  });

  it.each(Object.entries(EXPECTED_STATUS))("%s has status %s", async (id, status) => {
    const policies = await readShippedPolicies();

    expect(policies.get(id)?.policy.status).toBe(status);
  });

  it("leave approval and review empty on drafts", async () => {
    const policies = await readShippedPolicies();

    for (const [id, { policy }] of policies) {
      if (policy.status !== "draft") continue;
      expect(policy.approvedBy, id).toBeNull();
      expect(policy.approvedAt, id).toBeNull();
      expect(policy.reviewDueAt, id).toBeNull();
    }
  });

  it("have only change management overdue for review among approved ones", async () => {
    const policies = await readShippedPolicies();

    const overdue = [...policies.values()]
      .filter(({ policy }) => policy.status === "approved" && (policy.reviewDueAt === null || new Date(policy.reviewDueAt) <= AS_OF))
      .map(({ policy }) => policy.id);
    expect(overdue).toEqual(["change-management"]);
    expect(policies.get("change-management")?.policy.reviewDueAt).toBe("2026-08-11T00:00:00.000Z");
  });

  it("have a purpose, scope, roles and review section of useful length", async () => {
    const policies = await readShippedPolicies();

    for (const [id, { text }] of policies) {
      const lines = text.split("\n").length;
      expect(lines, id).toBeGreaterThanOrEqual(40);
      expect(lines, id).toBeLessThanOrEqual(120);
      for (const heading of ["## Purpose", "## Scope", "## Roles", "## Review"]) {
        expect(text, `${id} ${heading}`).toContain(`\n${heading}\n`);
      }
    }
  });

  it("state the plan's retention periods and incident response targets", async () => {
    const policies = await readShippedPolicies();

    const retention = policies.get("privacy-and-retention")!.text;
    expect(retention).toContain("7 years after the user's last activity");
    expect(retention).toContain("a 30-day grace period");
    const incidents = policies.get("incident-response")!.text;
    expect(incidents).toContain("under 1 hour");
    expect(incidents).toContain("under 4 hours");
    expect(incidents).toContain("under 24 hours");
  });
});
