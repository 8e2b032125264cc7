import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { scan } from "../core/src/index.js";
import { tempTree } from "./support/files.js";

describe("fingerprints", () => {
  const original = readFileSync("samples/k8s/insecure/worker.yaml", "utf8");

  async function scanText(text: string) {
    const root = tempTree({ "k8s/worker.yaml": text });
    return (await scan({ paths: [`${root}/k8s`], sourceRoot: root })).findings;
  }

  it("stay the same when 5 blank lines are inserted above a resource, while the lines move", async () => {
    const before = await scanText(original);
    const shifted = original.replace("apiVersion: apps/v1\nkind: DaemonSet", "\n\n\n\n\napiVersion: apps/v1\nkind: DaemonSet");
    expect(shifted).not.toBe(original);
    const after = await scanText(shifted);
    expect(after.length).toBeGreaterThan(0);
    expect(after.map((finding) => finding.fingerprint)).toEqual(before.map((finding) => finding.fingerprint));
    expect(after.map((finding) => finding.location?.startLine)).not.toEqual(before.map((finding) => finding.location?.startLine));
  });

  it("are the same across runs and differ between findings", async () => {
    const first = await scanText(original);
    const second = await scanText(original);
    expect(second.map((finding) => finding.fingerprint)).toEqual(first.map((finding) => finding.fingerprint));
    expect(new Set(first.map((finding) => finding.fingerprint)).size).toBe(first.length);
  });

  it("change when the finding is about another resource", async () => {
    const before = await scanText(original);
    const renamed = await scanText(original.replace("name: node-agent", "name: node-agent-2"));
    const ids = (findings: typeof before) => new Set(findings.map((finding) => finding.fingerprint));
    const common = [...ids(renamed)].filter((id) => ids(before).has(id));
    expect(common.length).toBe(before.filter((finding) => finding.resource?.name !== "node-agent").length);
  });
});
