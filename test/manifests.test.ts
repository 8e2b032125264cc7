import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { discoverManifestFiles, effectiveSecuritySetting, loadManifests, locate, type Resource, toWorkloads } from "../core/src/index.js";
import { tempTree } from "./support/files.js";

const load = (text: string, path = "app.yaml") => loadManifests([{ path, text }]);

function only<T>(items: readonly T[]): T {
  expect(items).toHaveLength(1);
  return items[0] as T;
}

describe("positioned YAML loading", () => {
  const text = [
    "apiVersion: v1",
    "kind: Pod",
    "metadata:",
    "  name: web",
    "spec:",
    "  containers:",
    "    - name: app",
    "      image: nginx:1.27",
    "      securityContext:",
    "        privileged: true",
    "",
  ].join("\n");

  it("locates a field from its key to the end of its value, 1-based", () => {
    const resource = only(load(text).resources);
    expect(locate(resource.source, ["spec", "containers", 0, "securityContext", "privileged"])).toEqual({
      path: "app.yaml",
      startLine: 10,
      startColumn: 9,
      endLine: 10,
      endColumn: 25,
    });
  });

  it("ends a block value on its last character, not after the line break", () => {
    const resource = only(load(text).resources);
    const location = locate(resource.source, ["spec", "containers", 0]);
    expect(location).toMatchObject({ startLine: 7, startColumn: 7, endLine: 10, endColumn: 25 });
  });

  it("falls back to the nearest existing parent for a missing field", () => {
    const resource = only(load(text).resources);
    expect(locate(resource.source, ["spec", "containers", 0, "securityContext", "runAsNonRoot"])).toMatchObject({
      startLine: 9,
      startColumn: 7,
    });
  });

  it("keeps documents of a multi-document file at their own lines", () => {
    const stream = `${text}---\n# second\n${text}`;
    const resources = load(stream).resources;
    expect(resources).toHaveLength(2);
    expect(resources.map((resource) => locate(resource.source, ["metadata", "name"]).startLine)).toEqual([4, 16]);
  });

  it("expands List kinds and locates their items", () => {
    const list = [
      "apiVersion: v1",
      "kind: List",
      "items:",
      "  - apiVersion: v1",
      "    kind: Pod",
      "    metadata: { name: a }",
      "    spec: { hostNetwork: true, containers: [] }",
      "  - apiVersion: v1",
      "    kind: Service",
      "    metadata: { name: b }",
    ].join("\n");
    const resources = load(list).resources;
    expect(resources.map((resource) => `${resource.kind}/${resource.name}`)).toEqual(["Pod/a", "Service/b"]);
    const pod = resources[0] as Resource;
    expect(locate(pod.source, [...pod.basePath, "spec", "hostNetwork"])).toMatchObject({ startLine: 7, startColumn: 13 });
  });

  it("reads JSON manifests with positions", () => {
    const json = JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "j" }, spec: { hostPID: true } }, null, 2);
    const resource = only(load(json, "pod.json").resources);
    expect(locate(resource.source, ["spec", "hostPID"])).toMatchObject({ path: "pod.json", startLine: 8, startColumn: 5 });
  });

  it("counts unknown kinds and non-Kubernetes documents instead of dropping them", () => {
    const stream = [
      "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: { name: a }",
      "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: { name: b }",
      "replicaCount: 3",
      "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }",
    ].join("\n---\n");
    const loaded = load(stream);
    expect(loaded.resources).toHaveLength(3);
    expect(loaded.unknownKinds).toEqual([{ apiVersion: "cert-manager.io/v1", kind: "Certificate", count: 2 }]);
    expect(loaded.nonKubernetesDocuments).toBe(1);
  });

  it("reports invalid YAML at file:line:col and still loads the other documents and files", () => {
    const loaded = loadManifests([
      {
        path: "bad.yaml",
        text: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n---\napiVersion: v1\nkind: Service\nmetadata: { name: s }\n",
      },
      { path: "good.yaml", text: "apiVersion: v1\nkind: Pod\nmetadata: { name: p }\n" },
    ]);
    expect(loaded.resources.map((resource) => `${resource.source.path}:${resource.kind}`)).toEqual(["bad.yaml:Service", "good.yaml:Pod"]);
    const error = only(loaded.errors);
    expect(error).toMatchObject({ path: "bad.yaml", line: expect.any(Number), column: expect.any(Number) });
    expect(error.line).toBeGreaterThanOrEqual(4);
    expect(error.message).toMatch(/^invalid YAML: /);
  });

  it("refuses a YAML alias bomb with a clear error instead of expanding it", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let level = 1; level < 9; level++) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(", ")}]`);
    }
    const bomb = `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: lol }\ndata:\n${levels.map((line) => `  ${line}`).join("\n")}\n`;
    const started = Date.now();
    const loaded = load(bomb);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(loaded.resources).toEqual([]);
    expect(only(loaded.errors).message).toMatch(/alias bomb/);
  });

  it("survives wrong types where objects are expected", () => {
    const odd =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: 7\nspec:\n  template:\n    spec:\n      containers: x\n      volumes: [1, null]\n";
    const resource = only(load(odd).resources);
    expect(resource.name).toBeUndefined();
    expect(only(toWorkloads([resource])).containers).toEqual([]);
  });
});

describe("workload normalisation", () => {
  const podSpec = (indent: string) =>
    [
      "securityContext: { runAsNonRoot: true, runAsUser: 1000 }",
      "initContainers: [{ name: init, image: busybox }]",
      "containers:",
      "  - name: app",
      "    image: nginx",
      "    securityContext: { runAsUser: 2000 }",
      "ephemeralContainers: [{ name: debug, image: busybox }]",
    ]
      .map((line) => indent + line)
      .join("\n");
  const kinds: Record<string, string> = {
    Pod: `apiVersion: v1\nkind: Pod\nmetadata: { name: w }\nspec:\n${podSpec("  ")}`,
    Deployment: `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: w }\nspec:\n  template:\n    spec:\n${podSpec("      ")}`,
    StatefulSet: `apiVersion: apps/v1\nkind: StatefulSet\nmetadata: { name: w }\nspec:\n  template:\n    spec:\n${podSpec("      ")}`,
    DaemonSet: `apiVersion: apps/v1\nkind: DaemonSet\nmetadata: { name: w }\nspec:\n  template:\n    spec:\n${podSpec("      ")}`,
    ReplicaSet: `apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: { name: w }\nspec:\n  template:\n    spec:\n${podSpec("      ")}`,
    ReplicationController: `apiVersion: v1\nkind: ReplicationController\nmetadata: { name: w }\nspec:\n  template:\n    spec:\n${podSpec("      ")}`,
    Job: `apiVersion: batch/v1\nkind: Job\nmetadata: { name: w }\nspec:\n  template:\n    spec:\n${podSpec("      ")}`,
    CronJob: `apiVersion: batch/v1\nkind: CronJob\nmetadata: { name: w }\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n${podSpec("          ")}`,
    PodTemplate: `apiVersion: v1\nkind: PodTemplate\nmetadata: { name: w }\ntemplate:\n  spec:\n${podSpec("    ")}`,
  };

  it.each(Object.keys(kinds))("finds the pod spec and init, regular and ephemeral containers of a %s", (kind) => {
    const workload = only(toWorkloads(load(kinds[kind] as string).resources));
    expect(workload.containers.map((container) => `${container.group}/${container.name}`)).toEqual([
      "initContainers/init",
      "containers/app",
      "ephemeralContainers/debug",
    ]);
    const app = workload.containers[1];
    if (!app) throw new Error("no app container");
    expect(locate(workload.resource.source, app.path).startLine).toBe(
      (kinds[kind] ?? "").split("\n").findIndex((line) => line.includes("- name: app")) + 1,
    );
  });

  it("lets containers inherit pod-level security settings unless they override them", () => {
    const workload = only(toWorkloads(load(kinds.Deployment as string).resources));
    const [init, app] = workload.containers;
    if (!init || !app) throw new Error("containers missing");
    expect(effectiveSecuritySetting(workload, init, "runAsNonRoot")).toMatchObject({ value: true, from: "pod" });
    expect(effectiveSecuritySetting(workload, init, "runAsUser")).toMatchObject({ value: 1000, from: "pod" });
    expect(effectiveSecuritySetting(workload, app, "runAsUser")).toMatchObject({
      value: 2000,
      from: "container",
      path: ["spec", "template", "spec", "containers", 0, "securityContext", "runAsUser"],
    });
    expect(effectiveSecuritySetting(workload, app, "privileged")).toEqual({ value: undefined, from: "unset" });
  });

  it("does not inherit container-only settings from the pod", () => {
    const text =
      "apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  securityContext: { privileged: true }\n  containers: [{ name: c }]\n";
    const workload = only(toWorkloads(load(text).resources));
    expect(effectiveSecuritySetting(workload, workload.containers[0] as never, "privileged").from).toBe("unset");
  });
});

describe("file discovery", () => {
  it("walks directories for YAML and JSON, skips other files, and ends symlink loops", async () => {
    const root = tempTree({ "a.yaml": "", "nested/b.yml": "", "nested/c.json": "{}", "notes.txt": "", "node_modules/x.yaml": "" });
    const { symlinkSync } = await import("node:fs");
    symlinkSync(root, join(root, "nested", "loop"));
    symlinkSync("/etc", join(root, "outside"));
    const files = await discoverManifestFiles([root]);
    expect(files.map((file) => file.path.slice(root.length + 1)).sort()).toEqual(["a.yaml", "nested/b.yml", "nested/c.json"]);
  });

  it("names a missing path and says what to do", async () => {
    await expect(discoverManifestFiles(["does/not/exist"])).rejects.toThrow('scan path "does/not/exist" does not exist.');
  });
});
