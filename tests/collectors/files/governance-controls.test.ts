import { copyFile, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadControls } from "../../../src/catalog/load.js";
import { policiesCollector } from "../../../src/collectors/files/policies.js";
import { builtinRegistry } from "../../../src/collectors/registry.js";
import type { Snapshot } from "../../../src/collectors/snapshot.js";
import { evaluateControls } from "../../../src/engine/evaluate.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const NOW = new Date("2026-12-04T12:00:00Z");

/**
 * Loads only the `policies-*` controls, through a copy in a temporary folder, so that other
 * governance controls still being written cannot break this test.
 */
async function loadPolicyControls() {
  const governance = path.join(ROOT, "controls/governance");
  const dir = await mkdtemp(path.join(tmpdir(), "soc2-policy-controls-"));
  try {
    for (const name of (await readdir(governance)).filter((entry) => /^policies-.*\.yaml$/.test(entry))) {
      await copyFile(path.join(governance, name), path.join(dir, name));
    }
    return await loadControls(dir, { registry: builtinRegistry(), rootDir: dir });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Evaluates the policy controls over the shipped policies on NOW. */
async function evaluateShipped() {
  const controls = await loadPolicyControls();
  const output = await policiesCollector.collect({
    source: { policies_dir: path.join(ROOT, "policies") },
    args: undefined,
    env: {},
    now: NOW,
    classify: () => [],
    shared: async (_key, open) => open(),
    debug: () => {},
    signal: new AbortController().signal,
  });
  const snapshot: Snapshot = {
    version: 1,
    takenAt: NOW.toISOString(),
    collectors: { "files.policies": { collector: "files.policies", status: "ok", resources: output.resources } },
  };
  return new Map(evaluateControls(controls, snapshot, { now: NOW }).map((result) => [result.id, result]));
}

describe("governance controls over the shipped policies", () => {
  it("fail approval for the three drafts", async () => {
    const results = await evaluateShipped();
    const approved = results.get("policies-approved")!;

    expect(approved.status).toBe("fail");
    const failing = approved.findings.filter((finding) => finding.status === "fail").map((finding) => finding.resource).sort();
    expect(failing).toEqual(["data-classification", "incident-response", "vendor-management"]);
  });

  it("fail review for drafts and the overdue change management policy", async () => {
    const results = await evaluateShipped();
    const reviewed = results.get("policies-reviewed")!;

    expect(reviewed.status).toBe("fail");
    const failing = reviewed.findings.filter((finding) => finding.status === "fail").map((finding) => finding.resource).sort();
    expect(failing).toEqual(["change-management", "data-classification", "incident-response", "vendor-management"]);
  });

  it.each([
    ["policies-access-control", "pass"],
    ["policies-backup-and-recovery", "pass"],
    ["policies-change-management", "fail"],
    ["policies-code-of-conduct", "pass"],
    ["policies-data-classification", "fail"],
    ["policies-incident-response", "fail"],
    ["policies-privacy-and-retention", "pass"],
    ["policies-risk-assessment", "pass"],
    ["policies-vendor-management", "fail"],
  ])("%s is %s", async (id, status) => {
    const results = await evaluateShipped();

    expect(results.get(id)?.status).toBe(status);
  });

  it("load all eleven policy controls", async () => {
    const results = await evaluateShipped();

    expect(results.size).toBe(11);
  });

  it("report a required policy with no file as not found", async () => {
    const controls = await loadPolicyControls();
    const approved = controls.find((control) => control.spec.id === "policies-approved")!;
    const snapshot: Snapshot = {
      version: 1,
      takenAt: NOW.toISOString(),
      collectors: { "files.policies": { collector: "files.policies", status: "ok", resources: [] } },
    };

    const [result] = evaluateControls([approved], snapshot, { now: NOW });

    expect(result?.status).toBe("fail");
    expect(result?.findings).toContainEqual({ resource: "incident-response", status: "fail", message: 'policy "incident-response" not found in the policies folder' });
  });
});
