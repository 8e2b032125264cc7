import { chmodSync, existsSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, unprivilegedUid } from "./support/cli.js";
import { tempTree } from "./support/files.js";

interface ReportFinding {
  ruleId: string;
  location: { path: string };
}

/** `ruleId path` of a report's findings of one rule. */
function findingsOf(report: { findings: ReportFinding[] }, ruleId: string): string[] {
  return report.findings.filter((finding) => finding.ruleId === ruleId).map((finding) => `${finding.ruleId} ${finding.location.path}`);
}

const POD = (name: string, extra = "") =>
  `apiVersion: v1\nkind: Pod\nmetadata: { name: ${name} }\nspec:\n${extra}  containers: [{ name: app, image: nginx }]\n`;

describe("portcullis scan exit codes", () => {
  it("exits 1 on the insecure sample with the default --fail-on high, listing findings at exact lines", () => {
    const result = runCli(["scan", "samples/"]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^samples\/k8s\/insecure\/deployment\.yaml$/m);
    expect(result.stdout).toMatch(/^ {2}\d+:\d+ +high +Container "log-shipper" in Deployment shop\/web runs/m);
    expect(result.stdout).toContain("FAILED (fail-on high)");
    expect(result.stderr).toBe("");
  });

  it("exits 0 on the hardened sample", () => {
    const result = runCli(["scan", "samples/k8s/hardened"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("PASSED");
  });

  it("exits 0 when --fail-on is above every finding, and 1 when it is at one", () => {
    const root = tempTree({ "pod.yaml": POD("p", "  volumes: [{ name: v, hostPath: { path: /data } }]\n") });
    expect(runCli(["scan", root, "--fail-on", "high"]).status).toBe(0);
    expect(runCli(["scan", root, "--fail-on", "medium"]).status).toBe(1);
    expect(runCli(["scan", root, "--fail-on", "none"]).status).toBe(0);
  });

  it("exits 2 naming a path that does not exist, without a stack trace", () => {
    const result = runCli(["scan", "no/such/dir"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'portcullis: error: scan path "no/such/dir" does not exist. Pass a file or directory that exists, relative to the current directory.\n',
    );
    expect(result.stdout).toBe("");
  });

  it("exits 2 on an unreadable file, naming it, and still reports the readable ones", () => {
    const root = tempTree({ "good.yaml": POD("g", "  hostPID: true\n"), "secret.yaml": POD("s") });
    chmodSync(root, 0o755);
    chmodSync(join(root, "secret.yaml"), 0o000);
    const result = runCli(["scan", ".", "--format", "json"], { cwd: root, uid: unprivilegedUid() });
    expect(result.stderr).toContain("could not scan 1 input");
    expect(result.status).toBe(2);
    const report = JSON.parse(result.stdout);
    expect(report.errors).toEqual([{ path: "secret.yaml", message: "cannot be read (EACCES)" }]);
    expect(findingsOf(report, "pss-host-namespaces")).toEqual(["pss-host-namespaces good.yaml"]);
    expect(new Set(report.findings.map((finding: ReportFinding) => finding.location.path))).toEqual(new Set(["good.yaml"]));
  });

  it("exits 2 on invalid YAML, naming file:line:col, and still scans the other files", () => {
    const root = tempTree({
      "a-broken.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [oops\n",
      "b-good.yaml": POD("g", "  hostIPC: true\n"),
    });
    const result = runCli(["scan", ".", "--format", "json", "--output", "out/report.json", "--format", "table"], { cwd: root });
    expect(result.status).toBe(2);
    expect(result.stdout).toMatch(/a-broken\.yaml:\d+:\d+: invalid YAML: /);
    expect(result.stderr).toMatch(/could not scan 1 input; the findings of the rest are reported/);
    const report = JSON.parse(readFileSync(join(root, "out/report.json"), "utf8"));
    expect(report.errors).toEqual([
      { path: "a-broken.yaml", line: expect.any(Number), column: expect.any(Number), message: expect.stringMatching(/^invalid YAML/) },
    ]);
    expect(findingsOf(report, "pss-host-namespaces")).toEqual(["pss-host-namespaces b-good.yaml"]);
    expect(new Set(report.findings.map((finding: ReportFinding) => finding.location.path))).toEqual(new Set(["b-good.yaml"]));
  });

  it("exits 2 on a directory with no manifests, saying what it found", () => {
    const root = tempTree({ "readme.md": "# hi", "values.yaml": "replicaCount: 2\n" });
    const result = runCli(["scan", root]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      /^portcullis: error: found 1 YAML\/JSON file\(s\) but no Kubernetes resources \(1 document\(s\) without apiVersion and kind\) in ".*"\. Point portcullis at/,
    );
    const empty = tempTree({ "readme.md": "# hi" });
    expect(runCli(["scan", empty]).stderr).toMatch(/found no YAML or JSON files in/);
  });

  it("exits 2 on a binary file named .yaml, naming it", () => {
    const root = tempTree({ "image.yaml": Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02]), "pod.yaml": POD("p") });
    const result = runCli(["scan", ".", "--format", "json"], { cwd: root });
    expect(result.status).toBe(2);
    expect(JSON.parse(result.stdout).errors).toEqual([{ path: "image.yaml", message: "is a binary file, not YAML or JSON" }]);
  });

  it.each([
    [["scan", "--fail-on", "severe"], '--fail-on "severe" is not one of the choices. Use one of: critical, high, medium, low, none.'],
    [["scan", "--format", "xml"], '--format "xml" is not a report format. Use one of: table, json, sarif, markdown, junit.'],
    [["scan", "--output", "x.json"], '--output "x.json" does not follow a --format.'],
    [["scan", "--format", "json", "--format", "sarif"], "more than one report would be written to stdout."],
    [["scan", "--frobnicate"], "Unknown option '--frobnicate'"],
    [["lint"], 'unknown command "lint".'],
    [[], "no command given."],
  ])("exits 2 on bad arguments %j with a one-line explanation", (args, message) => {
    const result = runCli(args);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("portcullis scan --policy", () => {
  const deployment = (replicas: number) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web, namespace: shop }\nspec:\n  replicas: ${replicas}\n  template:\n    spec:\n      containers: [{ name: app, image: nginx }]\n`;
  const policy = resolve("test/fixtures/policies/replicas.yaml");

  it("enforces a ValidatingAdmissionPolicy's CEL validations as findings, and SARIF stays valid for GitHub", () => {
    const root = tempTree({ "big.yaml": deployment(7), "small.yaml": deployment(2).replace("name: web", "name: api") });
    const result = runCli(["scan", ".", "--policy", policy, "--format", "json"], { cwd: root });
    const findings = JSON.parse(result.stdout).findings.filter((finding: ReportFinding) => finding.ruleId.startsWith("policy/"));
    expect(findings.map((finding: ReportFinding) => `${finding.ruleId} ${finding.location.path}`)).toEqual([
      "policy/demo-policy.example.com big.yaml",
    ]);
    const sarif = runCli(["scan", ".", "--policy", policy, "--format", "sarif"], { cwd: root });
    const rules = JSON.parse(sarif.stdout).runs[0].tool.driver.rules.map((rule: { id: string }) => rule.id);
    expect(rules).toContain("policy/demo-policy.example.com");
  });

  it("exits 2 naming a policy file that does not compile", () => {
    const root = tempTree({
      "d.yaml": deployment(1),
      "bad-policy.yaml": readFileSync(policy, "utf8").replace("object.spec.replicas <= 5", "object.spec.replicas <="),
    });
    const result = runCli(["scan", "d.yaml", "--policy", "bad-policy.yaml"], { cwd: root });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^portcullis: error: policy file bad-policy\.yaml, line \d+: /);
  });
});

describe("portcullis outputs", () => {
  it("prints its version and help", () => {
    const version = runCli(["--version"]);
    expect(version.status).toBe(0);
    expect(version.stdout).toBe(`portcullis ${JSON.parse(readFileSync("core/package.json", "utf8")).version}\n`);
    const help = runCli(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("Exit codes: 0 gate passed, 1 gate failed, 2 could not scan.");
  });

  it("writes each --format to its own --output, whole, and leaves no temporary files", () => {
    const root = tempTree();
    const result = runCli([
      "scan",
      "samples/k8s",
      "--format",
      "sarif",
      "--output",
      join(root, "r/x.sarif"),
      "--format",
      "json",
      "-o",
      join(root, "r/x.json"),
      "-f",
      "junit",
      "-o",
      join(root, "r/x.xml"),
      "-f",
      "markdown",
      "-o",
      join(root, "r/x.md"),
      "--quiet",
    ]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(readdirSync(join(root, "r")).sort()).toEqual(["x.json", "x.md", "x.sarif", "x.xml"]);
    expect(JSON.parse(readFileSync(join(root, "r/x.sarif"), "utf8")).version).toBe("2.1.0");
    expect(JSON.parse(readFileSync(join(root, "r/x.json"), "utf8")).schemaVersion).toBe(1);
  });

  it("prints the table when every report goes to a file, unless --quiet", () => {
    const root = tempTree();
    const result = runCli(["scan", "samples/k8s/hardened", "--format", "json", "--output", join(root, "x.json")]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("PASSED");
  });

  it("prints warnings on stderr when no table is shown, and nothing with --quiet", () => {
    const root = tempTree({ "pod.yaml": POD("p") });
    symlinkSync(join(root, "missing.yaml"), join(root, "dangling.yaml"));
    const json = runCli(["scan", ".", "--format", "json"], { cwd: root });
    expect(JSON.parse(json.stdout).warnings).toHaveLength(1);
    expect(json.stderr).toMatch(/^portcullis: warning: dangling\.yaml/);
    const quiet = runCli(["scan", ".", "--format", "json", "--output", "r.json", "--quiet"], { cwd: root });
    expect(quiet.stderr).toBe("");
  });

  it("exits 2 and writes no report when an output cannot be written", () => {
    const root = tempTree({ blocker: "a file where a directory should be" });
    const result = runCli(["scan", "samples/k8s", "--format", "json", "--output", join(root, "blocker", "x.json")]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^portcullis: error: cannot write report ".*blocker\/x\.json" \(E[A-Z]+\)\. Choose an --output path/);
    expect(existsSync(join(root, "blocker", "x.json"))).toBe(false);
  });
});
