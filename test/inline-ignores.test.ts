import { describe, expect, it } from "vitest";
import { scan } from "../core/src/index.js";
import { runCli } from "./support/cli.js";
import { tempTree } from "./support/files.js";

const pod = (annotation: string | undefined) =>
  [
    "apiVersion: v1",
    "kind: Pod",
    "metadata:",
    "  name: agent",
    "  namespace: ops",
    ...(annotation === undefined ? [] : ["  annotations:", `    portcullis.dev/ignore: ${JSON.stringify(annotation)}`]),
    "spec:",
    "  hostPID: true",
    "  containers:",
    "    - name: agent",
    "      image: registry.example/agent:1.0",
    "      securityContext: { privileged: true }",
    "",
  ].join("\n");

async function findingsOf(annotation: string | undefined, inlineIgnores = true) {
  const root = tempTree({ "pod.yaml": pod(annotation) });
  const report = await scan({ paths: [root], sourceRoot: root, ruleOptions: { inlineIgnores } });
  const byRule = (id: string) => report.findings.filter((finding) => finding.ruleId === id);
  return { report, byRule };
}

describe("portcullis.dev/ignore annotations", () => {
  it("suppress the named rules on that resource, keep them in the report, marked, and out of the gate", async () => {
    const { report, byRule } = await findingsOf("pss-privileged, pss-host-namespaces -- node agent needs the host; OPS-42");
    for (const id of ["pss-privileged", "pss-host-namespaces"]) {
      expect(byRule(id)).toHaveLength(1);
      expect(byRule(id)[0]?.suppressed).toEqual({ by: "annotation portcullis.dev/ignore", reason: "node agent needs the host; OPS-42" });
    }
    expect(report.verdict.reasons.join(" ")).not.toMatch(/high/);
  });

  it("leave rules they do not name alone", async () => {
    const { byRule } = await findingsOf("pss-privileged -- only the privilege is accepted");
    expect(byRule("pss-privileged")[0]?.suppressed).toBeDefined();
    expect(byRule("pss-host-namespaces")[0]?.suppressed).toBeUndefined();
  });

  it.each([
    ["pss-privileged", "gives no reason"],
    ["pss-privileged --   ", "gives no reason"],
    [" -- because", "names no rule id, or an empty one"],
  ])("without a reason (%j) suppress nothing and are themselves a finding at the annotation", async (annotation, problem) => {
    const { byRule } = await findingsOf(annotation);
    expect(byRule("pss-privileged")[0]?.suppressed).toBeUndefined();
    const invalid = byRule("ignore-annotation-invalid");
    expect(invalid).toHaveLength(1);
    expect(invalid[0]?.message).toContain(problem);
    expect(invalid[0]?.location).toMatchObject({ startLine: 7, startColumn: 5 });
  });

  it("are not honoured with --no-inline-ignores, and then are not findings either", async () => {
    const { byRule } = await findingsOf("pss-privileged -- accepted", false);
    expect(byRule("pss-privileged")[0]?.suppressed).toBeUndefined();
    const bare = await findingsOf("pss-privileged", false);
    expect(bare.byRule("ignore-annotation-invalid")).toEqual([]);
  });

  it("turn a failing gate into a passing one only for what they name, through the CLI", () => {
    const root = tempTree({ "pod.yaml": pod("pss-privileged,pss-host-namespaces -- accepted for the node agent") });
    const suppressedRun = runCli(["scan", root, "--pss-level", "baseline"]);
    expect(suppressedRun.stdout).toContain("(suppressed: accepted for the node agent)");
    expect(suppressedRun.status).toBe(0);
    expect(runCli(["scan", root, "--pss-level", "baseline", "--no-inline-ignores"]).status).toBe(1);
  });
});
