import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BUILT_IN_RULES, DEFAULT_RULE_OPTIONS, type Finding, loadManifests, runRules, scan, toWorkloads } from "../core/src/index.js";
import { POD_SECURITY_RULES } from "../core/src/rules/pod-security/index.js";

/** The three first rules; the rest of the Pod Security Standards have their own tests (pss.test.ts). */
const FIRST_RULES = new Set(["pss-privileged", "pss-host-namespaces", "pss-host-path-volumes"]);
const ofFirstRules = (findings: readonly Finding[]) => findings.filter((finding) => FIRST_RULES.has(finding.ruleId));

function findingsFor(text: string) {
  const { resources } = loadManifests([{ path: "w.yaml", text }]);
  const context = { resources, workloads: toWorkloads(resources), options: DEFAULT_RULE_OPTIONS };
  return ofFirstRules(runRules(BUILT_IN_RULES, context, "manifests/w.yaml"));
}

/** The 1-based line of the first line of `file` that contains `needle` after line `after`. */
function lineOf(file: string, needle: string, after = 0): number {
  const lines = readFileSync(file, "utf8").split("\n");
  const index = lines.findIndex((line, position) => position >= after && line.includes(needle));
  if (index < 0) throw new Error(`${needle} not in ${file}`);
  return index + 1;
}

describe("the three first rules on the bundled sample", () => {
  it("finds each deliberate insecurity at the offending field's line and column", async () => {
    const report = await scan({ paths: ["samples"] });
    const deployment = "samples/k8s/insecure/deployment.yaml";
    const worker = "samples/k8s/insecure/worker.yaml";
    const at = ofFirstRules(report.findings)
      .map((finding) => `${finding.ruleId} ${finding.location?.path}:${finding.location?.startLine}:${finding.location?.startColumn}`)
      .sort();
    const column = (file: string, needle: string) =>
      (readFileSync(file, "utf8").split("\n")[lineOf(file, needle) - 1]?.indexOf(needle) ?? -1) + 1;
    expect(at).toEqual(
      [
        `pss-privileged ${deployment}:${lineOf(deployment, "privileged: true")}:${column(deployment, "privileged: true")}`,
        `pss-host-namespaces ${worker}:${lineOf(worker, "hostNetwork: true")}:${column(worker, "hostNetwork: true")}`,
        `pss-host-namespaces ${worker}:${lineOf(worker, "hostPID: true")}:${column(worker, "hostPID: true")}`,
        `pss-host-namespaces ${worker}:${lineOf(worker, "hostIPC: true")}:${column(worker, "hostIPC: true")}`,
        `pss-host-path-volumes ${worker}:${lineOf(worker, "hostPath:")}:${column(worker, "hostPath:")}`,
        `pss-host-path-volumes ${worker}:${lineOf(worker, "hostPath:", lineOf(worker, "hostPath:"))}:${column(worker, "hostPath:")}`,
      ].sort(),
    );
    expect(report.findings.find((finding) => finding.ruleId === "pss-privileged")?.resource?.container).toBe("log-shipper");
  });

  it("finds nothing in the hardened variant", async () => {
    const report = await scan({ paths: ["samples/k8s/hardened"] });
    expect(report.summary.resources).toBeGreaterThan(5);
    expect(report.findings).toEqual([]);
    expect(report.verdict.passed).toBe(true);
  });

  it("finds nothing in the hardened variant at the restricted level of the newest policy", async () => {
    const report = await scan({
      paths: ["samples/k8s/hardened"],
      rules: POD_SECURITY_RULES,
      ruleOptions: { pssLevel: "restricted", pssVersion: "latest" },
    });
    expect(report.findings).toEqual([]);
  });
});

describe("privileged container", () => {
  it("checks init and ephemeral containers too, and names the container", () => {
    const findings = findingsFor(
      "apiVersion: v1\nkind: Pod\nmetadata: { name: p, namespace: n }\nspec:\n  initContainers:\n    - name: setup\n      securityContext: { privileged: true }\n  containers:\n    - name: app\n  ephemeralContainers:\n    - name: dbg\n      securityContext:\n        privileged: true\n",
    );
    expect(findings.map((finding) => [finding.resource?.container, finding.location?.startLine, finding.message])).toEqual([
      ["setup", 7, 'Init container "setup" in Pod n/p runs privileged.'],
      ["dbg", 13, 'Ephemeral container "dbg" in Pod n/p runs privileged.'],
    ]);
  });

  it("ignores privileged: false, a quoted string and a pod-level setting that Kubernetes does not have", () => {
    const findings = findingsFor(
      'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  securityContext: { privileged: true }\n  containers:\n    - { name: a, securityContext: { privileged: false } }\n    - { name: b, securityContext: { privileged: "true" } }\n',
    );
    expect(findings).toEqual([]);
  });
});

describe("host namespaces and hostPath volumes", () => {
  it("flag each host namespace set to true and each hostPath volume, and nothing set to false", () => {
    const findings = findingsFor(
      "apiVersion: batch/v1\nkind: CronJob\nmetadata: { name: c }\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          hostNetwork: false\n          hostPID: true\n          volumes:\n            - name: run\n              hostPath: { path: /run/containerd/containerd.sock, type: Socket }\n            - name: tmp\n              emptyDir: {}\n          containers: [{ name: a }]\n",
    );
    expect(findings.map((finding) => `${finding.ruleId}@${finding.location?.startLine}:${finding.location?.startColumn}`)).toEqual([
      "pss-host-namespaces@10:11",
      "pss-host-path-volumes@13:15",
    ]);
    expect(findings[1]?.message).toBe('CronJob c mounts the node\'s /run/containerd/containerd.sock through hostPath volume "run".');
  });
});
