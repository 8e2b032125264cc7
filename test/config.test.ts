import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../core/src/config/load.js";
import { mergeConfig } from "../core/src/config/merge.js";
import { runCli } from "./support/cli.js";
import { tempTree } from "./support/files.js";

const HOST_PID_POD =
  "apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  hostPID: true\n  containers: [{ name: c, image: nginx }]\n";

describe(".portcullis.yaml", () => {
  it("is read from the current directory and sets the scan's defaults", () => {
    const root = tempTree({ "k8s/pod.yaml": HOST_PID_POD, ".portcullis.yaml": "paths: [k8s]\nfailOn: critical\n" });
    const result = runCli(["scan", "--format", "json"], { cwd: root });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.verdict.failOn).toBe("critical");
    expect(report.targets).toEqual([{ id: "manifests/k8s", kind: "manifests", input: "k8s" }]);
  });

  it("is overridden by flags", () => {
    const root = tempTree({ "k8s/pod.yaml": HOST_PID_POD, ".portcullis.yaml": "paths: [k8s]\nfailOn: critical\n" });
    expect(runCli(["scan", "--fail-on", "high"], { cwd: root }).status).toBe(1);
  });

  it("can be named with --config, and a named file that is missing is an error", () => {
    const root = tempTree({ "pod.yaml": HOST_PID_POD, "ci/gate.yaml": "failOn: none\n" });
    expect(runCli(["scan", ".", "--config", "ci/gate.yaml"], { cwd: root }).status).toBe(0);
    const missing = runCli(["scan", ".", "--config", "ci/nope.yaml"], { cwd: root });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(
      'portcullis: error: config file "ci/nope.yaml" cannot be read (ENOENT). Pass an existing file to --config.\n',
    );
  });

  it.each([
    ["failOn: high\npss:\n  level: strict\n", "config c.yaml:3:3: pss.level must be one of: baseline, restricted."],
    ["failOn: high\nfailOnn: low\n", 'config c.yaml:1:1: the top level has an unknown setting "failOnn".'],
    ["kubeVersion: 1.29\n", "config c.yaml:1:1: kubeVersion must be string."],
    ["allowedRegistries:\n  - ghcr.io\n  - 7\n", "config c.yaml:3:5: allowedRegistries.1 must be string."],
    ["paths: [a\n", "config c.yaml:2:1: invalid YAML:"],
  ])("rejects %j naming the line and column", (text, message) => {
    expect(() => parseConfig("c.yaml", text)).toThrow(message);
  });

  it("gives flags precedence and lets a list flag replace the config's list", () => {
    const merged = mergeConfig(
      {
        paths: ["k8s"],
        failOn: "low",
        pss: { level: "baseline", version: "v1.25" },
        kubeVersion: "1.27",
        allowedRegistries: ["a.io"],
        policies: ["p.yaml"],
      },
      { paths: [], ruleOptions: { pssLevel: "restricted", allowedRegistries: ["b.io"] }, policies: [], helm: { valuesFiles: [], set: [] } },
    );
    expect(merged).toMatchObject({
      paths: ["k8s"],
      failOn: "low",
      policies: ["p.yaml"],
      ruleOptions: {
        pssLevel: "restricted",
        pssVersion: { major: 1, minor: 25 },
        kubeVersion: { major: 1, minor: 27 },
        allowedRegistries: ["b.io"],
      },
    });
  });

  it("reports an invalid default file through the CLI with exit code 2", () => {
    const root = tempTree({ "pod.yaml": HOST_PID_POD, ".portcullis.yaml": "failOn: sometimes\n" });
    const result = runCli(["scan", "."], { cwd: resolve(root) });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      /^portcullis: error: config \.portcullis\.yaml:1:1: failOn must be one of: critical, high, medium, low, none\./,
    );
  });
});
