import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { type FieldPath, locate, type Resource, UserError } from "../core/src/index.js";
import { type InputOptions, type LoadedInput, loadInputs } from "../core/src/manifests/inputs.js";
import { errorMessageOf, findOnPath, runTool } from "../core/src/manifests/render/tools.js";
import { tempTree } from "./support/files.js";
import { realPartAvailable } from "./support/real-parts.js";

const REPO = resolve(".");
const HELM_OUTPUT = "test/fixtures/inputs/helm-output/shop.yaml";
const kubectl = findOnPath("kubectl") ?? "/usr/bin/kubectl";
const kubectlHere = realPartAvailable("kubectl (with its built-in kustomize)", kubectl, "install kubectl, as .ci/run does.");

async function loadOne(path: string, options: InputOptions): Promise<LoadedInput> {
  const [loaded] = await loadInputs([path], options);
  if (!loaded) throw new Error("nothing loaded");
  return loaded;
}

const stdinOf = (text: string | Buffer) => Readable.from([typeof text === "string" ? Buffer.from(text) : text]);

/** `path:line:col` of a field of a resource, as findings report it. */
function at(subject: Resource | undefined, path: FieldPath): string {
  if (!subject) throw new Error("no such resource");
  const location = locate(subject.source, [...subject.basePath, ...path]);
  return `${location.path}:${location.startLine}:${location.startColumn}`;
}

const byKind = (loaded: LoadedInput, kind: string) => loaded.resources.find((resource) => resource.kind === kind);
const PRIVILEGED = ["spec", "template", "spec", "containers", 0, "securityContext", "privileged"];

describe("standard input", () => {
  it("maps Helm output to its templates when the chart is at the # Source: path under the source root", async () => {
    const loaded = await loadOne("-", { sourceRoot: "test/fixtures/inputs/helm", stdin: stdinOf(readFileSync(HELM_OUTPUT)) });
    expect(loaded.errors).toEqual([]);
    expect(at(byKind(loaded, "Deployment"), PRIVILEGED)).toBe("shop/templates/web.yaml:30:13");
    expect(at(byKind(loaded, "Pod"), ["spec", "hostPID"])).toBe("shop/templates/static-pod.yaml:7:3");
  });

  it("finds the chart by its name anywhere under the source root", async () => {
    const loaded = await loadOne("-", { sourceRoot: REPO, stdin: stdinOf(readFileSync(HELM_OUTPUT)) });
    expect(at(byKind(loaded, "Deployment"), PRIVILEGED)).toBe("test/fixtures/inputs/helm/shop/templates/web.yaml:30:13");
  });

  it("locates documents without a known source in <stdin>, at their own lines", async () => {
    const text = `# Source: elsewhere/templates/pod.yaml\n${podYaml("a")}---\n${podYaml("b")}`;
    const loaded = await loadOne("-", { sourceRoot: REPO, stdin: stdinOf(text) });
    expect(loaded.resources.map((resource) => at(resource, ["spec", "hostPID"]))).toEqual(["<stdin>:7:3", "<stdin>:14:3"]);
    expect(loaded.filesScanned).toBe(1);
  });

  it.skipIf(!kubectlHere)("maps Kustomize output with origin annotations to the origin files", async () => {
    const root = tempTree({
      "base/kustomization.yaml": "resources:\n  - pod.yaml\n",
      "base/pod.yaml": podYaml("web"),
      "overlays/dev/kustomization.yaml": "resources:\n  - ../../base\nnamePrefix: dev-\nbuildMetadata: [originAnnotations]\n",
    });
    const built = execFileSync(kubectl, ["kustomize", join(root, "overlays/dev")], { encoding: "utf8" });
    expect(built).toContain("path: ../../base/pod.yaml");
    const loaded = await loadOne("-", { sourceRoot: root, stdin: stdinOf(built) });
    const pod = byKind(loaded, "Pod");
    expect(pod?.name).toBe("dev-web");
    expect(at(pod, ["spec", "hostPID"])).toBe("base/pod.yaml:6:3");
  });

  it("refuses more than the size limit with a clear error, without reading it all", async () => {
    let chunks = 0;
    const endless = Readable.from(
      (function* () {
        for (;;) {
          chunks++;
          yield Buffer.alloc(1024 * 1024, "#");
        }
      })(),
    );
    const loading = loadOne("-", { sourceRoot: REPO, stdin: endless });
    await expect(loading).rejects.toThrow(UserError);
    await expect(loading).rejects.toThrow(/^standard input is larger than 8 MiB, the limit for one stream/);
    expect(chunks).toBeLessThanOrEqual(10);
  });

  it("reports binary input as an error, and refuses '-' twice or without a stream", async () => {
    const loaded = await loadOne("-", { sourceRoot: REPO, stdin: stdinOf(Buffer.from([0x89, 0x50, 0x00, 0x01])) });
    expect(loaded.errors).toEqual([{ path: "<stdin>", message: "is binary, not YAML or JSON" }]);
    await expect(loadInputs(["-", "-"], { sourceRoot: REPO, stdin: stdinOf("") })).rejects.toThrow(/given more than once/);
    await expect(loadInputs(["-"], { sourceRoot: REPO })).rejects.toThrow(/reads standard input, but none is available/);
  });

  it("is what `portcullis scan -` reads (the built CLI, its own process)", () => {
    const result = spawnSync(process.execPath, ["core/bin/portcullis.js", "scan", "-", "--format", "json"], {
      input: readFileSync(HELM_OUTPUT),
      encoding: "utf8",
    });
    expect(result.stderr).toBe("");
    const report = JSON.parse(result.stdout);
    expect(report.targets).toEqual([{ id: "manifests/stdin", kind: "manifests", input: "-" }]);
    const privileged = report.findings.filter((finding: { ruleId: string }) => finding.ruleId === "pss-privileged");
    expect(privileged.map((finding: { location: { path: string; startLine: number } }) => finding.location)).toEqual([
      { path: "test/fixtures/inputs/helm/shop/templates/web.yaml", startLine: 30, startColumn: 13, endLine: 30, endColumn: 49 },
    ]);
    expect(result.status).toBe(1);
  });
});

function podYaml(name: string): string {
  return `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  hostPID: true\n`;
}

describe("hostile inputs", () => {
  const aliasBomb = [
    "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: lol }\ndata:",
    "  a: &a [x, x, x, x, x, x, x, x, x, x]",
    ...Array.from({ length: 8 }, (_, level) => {
      const name = String.fromCharCode(98 + level);
      return `  ${name}: &${name} [${Array(10)
        .fill(`*${String.fromCharCode(97 + level)}`)
        .join(", ")}]`;
    }),
  ].join("\n");
  const root = tempTree({
    "good.yaml": podYaml("good"),
    "binary.yaml": Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x00, 0x01]),
    "truncated.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [trunc",
    "deep.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: deep }\ndata: ${"[".repeat(100_000)}\n`,
    "bomb.yaml": aliasBomb,
    "incomplete.yaml": [
      "apiVersion: v1\nmetadata:\n  name: no-kind\n",
      "metadata:\n  name: no-api-version-or-kind\nspec:\n  hostPID: true\n",
      "apiVersion: v1\nkind: Pod\nspec:\n  hostPID: true\n",
    ].join("---\n"),
    "docker-compose.yml": "services:\n  web:\n    image: nginx\n",
    "duplicate.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: dup\nspec:\n  hostPID: false\n  hostPID: true\n",
    "sub/.keep": "",
  });
  writeFileSync(join(root, "big.yaml"), "# padding\n".repeat(5 * 1024 * 1024)); // 50 MiB
  const outside = tempTree({ "outside.yaml": podYaml("outside") });
  symlinkSync(join(outside, "outside.yaml"), join(root, "link-out.yaml"));
  symlinkSync(join(root, "missing.yaml"), join(root, "dangling.yaml"));
  symlinkSync(join(root, "self.yaml"), join(root, "self.yaml"));
  symlinkSync(root, join(root, "sub", "loop"));

  it("gives each a finding, warning or error naming the file, and scans the rest", async () => {
    const started = Date.now();
    const loaded = await loadOne(root, { sourceRoot: root });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(loaded.errors).toEqual([
      { path: "big.yaml", message: expect.stringMatching(/^is larger than 8 MiB, the limit for one file \(parsing YAML/) },
      { path: "binary.yaml", message: "is a binary file, not YAML or JSON" },
      { path: "bomb.yaml", line: 1, column: 1, message: expect.stringMatching(/alias bomb/) },
      { path: "deep.yaml", line: 4, column: expect.any(Number), message: "invalid YAML: nested too deeply to parse" },
      { path: "truncated.yaml", line: 4, column: expect.any(Number), message: expect.stringMatching(/^invalid YAML: /) },
    ]);
    expect(loaded.warnings).toEqual([
      { path: "dangling.yaml", message: `is a dangling symbolic link (to ${join(root, "missing.yaml")}); skipped` },
      {
        path: "link-out.yaml",
        message: `is a symbolic link to ${join(outside, "outside.yaml")}, outside the scanned directory; not followed (pass --follow-symlinks to follow it)`,
      },
      { path: "self.yaml", message: `is a symbolic link loop (to ${join(root, "self.yaml")}); skipped` },
      { path: "sub/loop", message: `is a symbolic link to its own parent directory (${root}); skipped to end the loop` },
      {
        path: "duplicate.yaml",
        line: 7,
        column: 3,
        message: 'duplicate key "hostPID": the last value is used, as Kubernetes reads it; remove the other',
      },
      {
        path: "incomplete.yaml",
        line: 1,
        column: 1,
        message: "2 documents with Kubernetes fields but no apiVersion or kind, not checked; 1 resource without metadata.name",
      },
    ]);
    expect(loaded.resources.map((resource) => `${resource.source.path}:${resource.name ?? "(unnamed)"}`).sort()).toEqual([
      "duplicate.yaml:dup",
      "good.yaml:good",
      "incomplete.yaml:(unnamed)",
    ]);
    expect(loaded.nonKubernetesDocuments).toBe(3); // the two incomplete documents and the compose file
  });

  it("takes the last of duplicate keys, as Kubernetes does, and locates that one", async () => {
    const loaded = await loadOne(join(root, "duplicate.yaml"), { sourceRoot: root });
    const pod = byKind(loaded, "Pod");
    expect(pod?.object.spec).toEqual({ hostPID: true });
    expect(at(pod, ["spec", "hostPID"])).toBe("duplicate.yaml:7:3");
  });

  it("warns about duplicate keys once per file, however many documents have them", async () => {
    const text = Array.from({ length: 3 }, (_, index) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p${index}\n  name: q${index}\n`);
    const file = tempTree({ "many.yaml": text.join("---\n") });
    const loaded = await loadOne(file, { sourceRoot: file });
    expect(loaded.warnings).toEqual([
      {
        path: "many.yaml",
        line: 5,
        column: 3,
        message:
          'duplicate key "name": the last value is used, as Kubernetes reads it; remove the other (and 2 more documents with duplicate keys)',
      },
    ]);
    expect(loaded.resources.map((resource) => resource.name)).toEqual(["q0", "q1", "q2"]);
  });

  it("follows a link out of the input only when asked", async () => {
    const loaded = await loadOne(root, { sourceRoot: root, followSymlinks: true });
    expect(loaded.resources.map((resource) => resource.name)).toContain("outside");
    expect(loaded.warnings.map((warning) => warning.path)).not.toContain("link-out.yaml");
  });
});

describe("running renderers", () => {
  const script = (body: string) => {
    const dir = tempTree({ tool: `#!/bin/sh\n${body}\n` });
    chmodSync(join(dir, "tool"), 0o755);
    return join(dir, "tool");
  };

  it("kills a tool that hangs past its timeout", async () => {
    const started = Date.now();
    expect(await runTool({ command: script("sleep 30"), args: [], timeoutMs: 300 })).toEqual({
      ok: false,
      reason: "did not finish within 0.3 s",
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("reports a tool that cannot be run", async () => {
    expect(await runTool({ command: "/nonexistent/tool", args: [] })).toEqual({ ok: false, reason: "could not be run (ENOENT)" });
  });

  it("reads the error out of kubectl's, kustomize's and helm's stderr", () => {
    const kubectlLog =
      'E1122 15:41:05.514738   18937 run.go:72] "command failed" err="no resource matches strategic merge patch \\"Deployment.v1.apps/cartservice.[noNs]\\""\n';
    expect(errorMessageOf(kubectlLog)).toBe('no resource matches strategic merge patch "Deployment.v1.apps/cartservice.[noNs]"');
    expect(errorMessageOf("Error: accumulating resources: missing\n")).toBe("accumulating resources: missing");
    expect(errorMessageOf("\n\n")).toBeUndefined();
  });

  it("finds executables on PATH, not other files", () => {
    const notExecutable = tempTree({ tool: "#!/bin/sh\n" });
    const executable = script("true");
    expect(findOnPath("tool", { PATH: notExecutable })).toBeUndefined();
    expect(findOnPath("tool", { PATH: `/nonexistent::${notExecutable}:${join(executable, "..")}` })).toBe(executable);
  });
});
