import { chmodSync, existsSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { BUILT_IN_RULES, type FieldPath, locate, type Resource, scan } from "../core/src/index.js";
import { type InputOptions, type LoadedInput, loadInputs } from "../core/src/manifests/inputs.js";
import { findOnPath } from "../core/src/manifests/render/tools.js";
import { toWorkloads, valueAt } from "../core/src/manifests/workloads.js";
import { tempTree } from "./support/files.js";
import { realPartAvailable } from "./support/real-parts.js";

const REPO = resolve(".");
const FIXTURES = "test/fixtures/inputs";
const KUSTOMIZE = `${FIXTURES}/kustomize`;
const CHART = `${FIXTURES}/helm/shop`;
const HELM_OUTPUT = resolve(`${FIXTURES}/helm-output/shop.yaml`);

const kubectl = findOnPath("kubectl") ?? "/usr/bin/kubectl";
const kubectlHere = realPartAvailable("kubectl (with its built-in kustomize)", kubectl, "install kubectl, as .ci/run does.");
/** A PATH with kubectl and nothing of this machine's other tools that the code could pick up by accident. */
const KUBECTL_ONLY = { PATH: tempTreeWithLinks({ kubectl }) };
const NOTHING_ON_PATH = { PATH: tempTree() };

/** A directory of symbolic links to the given executables, to build an exact PATH. */
function tempTreeWithLinks(links: Record<string, string>): string {
  const dir = tempTree();
  for (const [name, target] of Object.entries(links)) {
    writeFileSync(join(dir, name), `#!/bin/sh\nexec ${JSON.stringify(target)} "$@"\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

async function loadOne(path: string, env: NodeJS.ProcessEnv, options: Partial<InputOptions> = {}) {
  const [loaded] = await loadInputs([path], { sourceRoot: REPO, ...options, env });
  if (!loaded) throw new Error("nothing loaded");
  return loaded;
}

function resource(loaded: LoadedInput, kind: string, name: string): Resource {
  const found = loaded.resources.find((entry) => entry.kind === kind && entry.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in ${loaded.resources.map((entry) => `${entry.kind}/${entry.name}`).join(", ")}`);
  return found;
}

/** `path:line:col` of a field of a resource, as findings report it. */
function at(subject: Resource, path: FieldPath): string {
  const location = locate(subject.source, [...subject.basePath, ...path]);
  return `${location.path}:${location.startLine}:${location.startColumn}`;
}

const POD = ["spec", "template", "spec"];

describe.skipIf(!kubectlHere)("Kustomize rendering", () => {
  it("renders the overlay once, and neither its base nor the patch files as plain YAML", async () => {
    const loaded = await loadOne(KUSTOMIZE, KUBECTL_ONLY);
    expect(loaded.errors).toEqual([]);
    const names = loaded.resources.map((entry) => `${entry.kind}/${entry.namespace ?? "-"}/${entry.name}`).sort();
    expect(names).toEqual([
      expect.stringMatching(/^ConfigMap\/shop\/prod-settings-[a-z0-9]{10}$/),
      "Deployment/shop/prod-web",
      "Pod/-/extra",
      "Service/shop/prod-web",
    ]);
    expect(loaded.filesScanned).toBe(2); // the rendered overlay, and the orphan component's extra.yaml
  });

  it("renders the directory of a kustomization file named as the scan path", async () => {
    const loaded = await loadOne(`${KUSTOMIZE}/overlays/prod/kustomization.yaml`, KUBECTL_ONLY);
    expect(loaded.resources.map((entry) => `${entry.kind}/${entry.name}`)).toContain("Deployment/prod-web");
    expect(loaded.warnings).toEqual([]);
  });

  it("points each field at the patch that writes it, else at the base that has it", async () => {
    const deployment = resource(await loadOne(KUSTOMIZE, KUBECTL_ONLY), "Deployment", "prod-web");
    // The strategic merge moved the patched container first: rendered index 0 is "app", the base's second.
    expect(deployment.object).toMatchObject({ spec: { template: { spec: { containers: [{ name: "app" }, { name: "sidecar" }] } } } });
    const app = [...POD, "containers", 0];
    const sidecar = [...POD, "containers", 1];
    expect(at(deployment, [...app, "securityContext", "privileged"])).toBe(`${KUSTOMIZE}/overlays/prod/privileged.yaml:11:13`);
    expect(at(deployment, [...POD, "hostNetwork"])).toBe(`${KUSTOMIZE}/overlays/prod/kustomization.yaml:17:9`);
    expect(at(deployment, [...POD, "hostPID"])).toBe(`${KUSTOMIZE}/components/debug/kustomization.yaml:12:13`);
    expect(at(deployment, [...app, "securityContext", "runAsNonRoot"])).toBe(`${KUSTOMIZE}/base/deployment.yaml:24:13`);
    expect(at(deployment, [...app, "image"])).toBe(`${KUSTOMIZE}/base/deployment.yaml:22:11`);
    expect(at(deployment, [...sidecar, "image"])).toBe(`${KUSTOMIZE}/base/deployment.yaml:18:11`);
    expect(at(deployment, app)).toBe(`${KUSTOMIZE}/base/deployment.yaml:21:11`);
    expect(at(deployment, ["metadata", "name"])).toBe(`${KUSTOMIZE}/base/deployment.yaml:4:3`);
  });

  it("locates a field set nowhere at its nearest parent in the sources, and one made by Kustomize at the resource", async () => {
    const deployment = resource(await loadOne(KUSTOMIZE, KUBECTL_ONLY), "Deployment", "prod-web");
    const app = [...POD, "containers", 0];
    // Both the base and the patch have app's securityContext: the base, which defines the resource, wins the tie.
    expect(at(deployment, [...app, "securityContext", "readOnlyRootFilesystem"])).toBe(`${KUSTOMIZE}/base/deployment.yaml:23:11`);
    expect(at(deployment, ["metadata", "namespace"])).toBe(`${KUSTOMIZE}/base/deployment.yaml:3:1`);
  });

  it("locates a generated resource at its generator and strips the origin annotations it added", async () => {
    const loaded = await loadOne(KUSTOMIZE, KUBECTL_ONLY);
    const configMap = loaded.resources.find((entry) => entry.kind === "ConfigMap");
    if (!configMap) throw new Error("no ConfigMap");
    expect(at(configMap, ["data", "mode"])).toBe(`${KUSTOMIZE}/overlays/prod/kustomization.yaml:19:5`);
    for (const entry of loaded.resources) expect(JSON.stringify(entry.object)).not.toContain("config.kubernetes.io");
  });

  it("warns about a component no kustomization includes and scans its resources, not its patches", async () => {
    const loaded = await loadOne(KUSTOMIZE, KUBECTL_ONLY);
    expect(loaded.warnings).toEqual([
      {
        path: `${KUSTOMIZE}/components/unused/kustomization.yaml`,
        message: `Kustomize component ${KUSTOMIZE}/components/unused is not included by any kustomization under "${KUSTOMIZE}": it was not rendered, its resource files were scanned as plain YAML and its patches were not applied`,
      },
    ]);
    expect(at(resource(loaded, "Pod", "extra"), ["spec", "containers", 0])).toBe(`${KUSTOMIZE}/components/unused/extra.yaml:7:7`);
  });

  it("finds the same fields through the scan, with the engine's findings", async () => {
    const report = await scan({ paths: [KUSTOMIZE], sourceRoot: REPO, failOn: "none" });
    const privileged = report.findings.filter((finding) => finding.ruleId === "pss-privileged");
    expect(privileged.map((finding) => `${finding.location?.path}:${finding.location?.startLine}`)).toEqual([
      `${KUSTOMIZE}/overlays/prod/privileged.yaml:11`,
    ]);
    expect(report.errors).toEqual([]);
  });

  it("traces by kind and name through the kustomization's files when Kustomize is too old for origin annotations", async () => {
    // Kustomize before v4.5 rejects buildMetadata: this kubectl does too, and builds the directory itself otherwise.
    const oldKubectl = tempTree({
      kubectl: `#!/bin/sh\ncase "$2" in *portcullis-kustomize-*) echo 'Error: json: unknown field "buildMetadata"' >&2; exit 1;; esac\nexec ${JSON.stringify(kubectl)} "$@"\n`,
    });
    chmodSync(join(oldKubectl, "kubectl"), 0o755);
    const loaded = await loadOne(KUSTOMIZE, { PATH: oldKubectl });
    expect(loaded.errors).toEqual([]);
    const deployment = resource(loaded, "Deployment", "prod-web");
    expect(at(deployment, [...POD, "containers", 0, "securityContext", "privileged"])).toBe(
      `${KUSTOMIZE}/overlays/prod/privileged.yaml:11:13`,
    );
    expect(at(deployment, [...POD, "containers", 1, "image"])).toBe(`${KUSTOMIZE}/base/deployment.yaml:18:11`);
    expect(at(resource(loaded, "Service", "prod-web"), ["spec", "ports", 0])).toBe(`${KUSTOMIZE}/base/service.yaml:9:7`);
  });

  it("reports a kustomization Kustomize cannot build as an error naming it, and scans the rest", async () => {
    const root = tempTree({
      "broken/kustomization.yaml": "resources:\n  - ../missing-base\n  - pod.yaml\n",
      "broken/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: in-broken\n",
      "plain.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: plain\n",
    });
    const loaded = await loadOne(root, KUBECTL_ONLY, { sourceRoot: root });
    expect(loaded.errors).toHaveLength(1);
    expect(loaded.errors[0]?.path).toBe("broken");
    expect(loaded.errors[0]?.message).toMatch(
      /^kubectl kustomize failed: .*missing-base.*; its resource files were scanned as plain YAML$/,
    );
    expect(loaded.errors[0]?.message).not.toContain("portcullis-kustomize-");
    expect(loaded.resources.map((entry) => entry.name).sort()).toEqual(["in-broken", "plain"]);
  });

  it("does not render a kustomization whose generator input is missing (a secret kept out of Git), and scans its resources", async () => {
    const root = tempTree({
      "app/kustomization.yaml": "resources:\n  - pod.yaml\nsecretGenerator:\n  - name: creds\n    envs:\n      - .env.secret\n",
      "app/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\n",
    });
    const loaded = await loadOne(root, KUBECTL_ONLY, { sourceRoot: root });
    expect(loaded.errors).toEqual([]);
    expect(loaded.warnings).toEqual([
      {
        path: "app",
        message:
          "kustomization app was not rendered: its generator input .env.secret does not exist (a secret or a file made at deploy time?); its resource files were scanned as plain YAML",
      },
    ]);
    expect(at(resource(loaded, "Pod", "app"), ["metadata", "name"])).toBe("app/pod.yaml:4:3");
  });
});

describe("Kustomize not on PATH", () => {
  it("warns once per kustomization, scans resource files as plain YAML and never patches or kustomization files", async () => {
    const loaded = await loadOne(KUSTOMIZE, NOTHING_ON_PATH);
    expect(loaded.errors).toEqual([]);
    expect(loaded.warnings.map((warning) => warning.path)).toEqual([
      `${KUSTOMIZE}/overlays/prod`,
      `${KUSTOMIZE}/components/unused/kustomization.yaml`,
    ]);
    expect(loaded.warnings[0]?.message).toBe(
      `kubectl and kustomize are not on PATH: kustomization ${KUSTOMIZE}/overlays/prod was not rendered; its resource files were scanned as plain YAML`,
    );
    expect(loaded.resources.map((entry) => `${entry.source.path}:${entry.kind}/${entry.name}`).sort()).toEqual([
      `${KUSTOMIZE}/base/deployment.yaml:Deployment/web`,
      `${KUSTOMIZE}/base/service.yaml:Service/web`,
      `${KUSTOMIZE}/components/unused/extra.yaml:Pod/extra`,
    ]);
  });
});

/**
 * Helm is not installed here (nor packaged by Debian): a stand-in `helm` on PATH records
 * its arguments and prints `helm template` output recorded in Helm's format, so the
 * code under test runs the same way as with the real tool.
 */
function fakeHelm(script: string): NodeJS.ProcessEnv {
  const dir = tempTree({ helm: `#!/bin/sh\n${script}\n` });
  chmodSync(join(dir, "helm"), 0o755);
  return { PATH: dir, ARGS_FILE: join(dir, "args"), OUTPUT: HELM_OUTPUT };
}

const PRINTING_HELM = fakeHelm('printf "%s\\n" "$@" > "$ARGS_FILE"\n/bin/cat "$OUTPUT"');

describe("Helm rendering (a stand-in helm printing recorded output)", () => {
  const helm = { valuesFiles: ["ci/values.yaml"], set: ["hostNetwork=true"] };

  it("runs helm template on the chart with the values files and --set values", async () => {
    await loadOne(CHART, PRINTING_HELM, { helm });
    const args = readFileSync(PRINTING_HELM.ARGS_FILE as string, "utf8")
      .trim()
      .split("\n");
    expect(args).toEqual(["template", resolve(CHART), "--values", "ci/values.yaml", "--set", "hostNetwork=true"]);
  });

  it("maps each document to its template and each field to the template line that writes it", async () => {
    const loaded = await loadOne(CHART, PRINTING_HELM, { helm });
    expect(loaded.errors).toEqual([]);
    expect(loaded.warnings).toEqual([]);
    const deployment = resource(loaded, "Deployment", "release-name-web");
    const web = `${CHART}/templates/web.yaml`;
    expect(at(deployment, [...POD, "containers", 0, "securityContext", "privileged"])).toBe(`${web}:30:13`);
    expect(at(deployment, [...POD, "hostNetwork"])).toBe(`${web}:24:7`);
    expect(at(deployment, [...POD, "containers", 1, "image"])).toBe(`${web}:32:11`);
    expect(at(deployment, [...POD, "containers", 1])).toBe(`${web}:31:11`);
    // Not in the template: the nearest parent that is.
    expect(at(deployment, [...POD, "containers", 1, "securityContext", "runAsNonRoot"])).toBe(`${web}:31:11`);
    expect(at(deployment, ["metadata", "name"])).toBe(`${web}:16:3`);
    // The Service is the template's first document, the Deployment its second.
    expect(at(resource(loaded, "Service", "release-name-web"), ["spec", "ports", 0])).toBe(`${web}:11:7`);
    expect(at(resource(loaded, "Pod", "static"), ["spec", "hostPID"])).toBe(`${CHART}/templates/static-pod.yaml:7:3`);
  });

  it("reports a failing helm template as an error naming the chart, and scans its plain templates", async () => {
    const failing = fakeHelm(
      'echo "Error: template: shop/templates/web.yaml:20:14: executing \\"shop/templates/web.yaml\\" at <.Values.x>: nil pointer" >&2\nexit 1',
    );
    const loaded = await loadOne(CHART, failing);
    expect(loaded.errors).toEqual([
      {
        path: CHART,
        message:
          'helm template failed: template: shop/templates/web.yaml:20:14: executing "shop/templates/web.yaml" at <.Values.x>: nil pointer; its plain YAML files were scanned',
      },
    ]);
    expect(loaded.resources.map((entry) => entry.name)).toEqual(["static"]);
  });

  it("kills a helm that hangs or floods its output, and says so", async () => {
    const flooding = fakeHelm(
      "while :; do echo 'padding: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'; done",
    );
    const loaded = await loadOne(CHART, flooding);
    expect(loaded.errors[0]?.message).toBe(
      "helm template failed: printed more than 8 MiB, the limit for one manifest stream; its plain YAML files were scanned",
    );
  });
});

const helm = findOnPath("helm") ?? "/usr/local/bin/helm";
const helmHere = realPartAvailable("helm", helm, "run `npm run tools`, as .ci/run does.");

describe.skipIf(!helmHere)("Helm rendering with the real helm", () => {
  const HELM_ONLY = { PATH: tempTreeWithLinks({ helm }) };

  it("renders the chart with the --set values and maps fields to the template lines that write them", async () => {
    const loaded = await loadOne(CHART, HELM_ONLY, { helm: { valuesFiles: [], set: ["hostNetwork=true"] } });
    expect(loaded.errors).toEqual([]);
    expect(loaded.warnings).toEqual([]);
    const deployment = resource(loaded, "Deployment", "release-name-web");
    const web = `${CHART}/templates/web.yaml`;
    expect(at(deployment, [...POD, "hostNetwork"])).toBe(`${web}:24:7`);
    expect(at(deployment, [...POD, "containers", 0, "securityContext", "privileged"])).toBe(`${web}:30:13`);
    expect(at(resource(loaded, "Pod", "static"), ["spec", "hostPID"])).toBe(`${CHART}/templates/static-pod.yaml:7:3`);
  });

  it("passes values files: a value that turns a field off removes its finding", async () => {
    const values = tempTree({ "off.yaml": "privileged: false\n" });
    const report = await scan({
      paths: [CHART],
      sourceRoot: REPO,
      helm: { valuesFiles: [join(values, "off.yaml")], set: [] },
      ruleOptions: { pssLevel: "baseline" },
    });
    const ruleIds = (await scan({ paths: [CHART], sourceRoot: REPO, ruleOptions: { pssLevel: "baseline" } })).findings.map((f) => f.ruleId);
    expect(ruleIds).toContain("pss-privileged");
    expect(report.findings.map((finding) => finding.ruleId)).not.toContain("pss-privileged");
  });

  it("reports a template error as an error naming the chart", async () => {
    const loaded = await loadOne(CHART, HELM_ONLY, { helm: { valuesFiles: [], set: ["replicaCount={{"] } });
    expect(loaded.errors.map((error) => error.path)).toEqual([CHART]);
    expect(loaded.errors[0]?.message).toMatch(/^helm template failed: /);
  });
});

describe("Helm not on PATH", () => {
  it("warns once per chart naming the tool and the chart, counts the templates it skips, and scans the plain ones", async () => {
    const loaded = await loadOne(`${FIXTURES}/helm`, NOTHING_ON_PATH);
    expect(loaded.errors).toEqual([]);
    expect(loaded.warnings).toEqual([
      {
        path: CHART,
        message: `helm is not on PATH: chart ${CHART} was not rendered; its plain YAML files were scanned (1 template file with Go template syntax not scanned)`,
      },
    ]);
    // Chart.yaml and values.yaml are chart metadata, not manifests: neither loaded nor counted.
    expect(loaded.resources.map((entry) => `${entry.source.path}:${entry.kind}`)).toEqual([`${CHART}/templates/static-pod.yaml:Pod`]);
    expect(loaded.nonKubernetesDocuments).toBe(0);
  });
});

const CORPORA_AS_NAMED = resolve(REPO, "../shared/corpora/manifests");
const corporaHere = realPartAvailable("the reference corpora", CORPORA_AS_NAMED, "check out ../shared beside the repository", "read");
/** Scans report real paths, so compare with the corpora's real path (shared/ may be a link). */
const CORPORA = corporaHere ? realpathSync(CORPORA_AS_NAMED) : CORPORA_AS_NAMED;

/** Field paths probed on every resource, so each resource's mapping is checked, not only those with findings. */
function probePaths(subject: Resource): FieldPath[] {
  const paths: FieldPath[] = [[], ["metadata", "name"], ["metadata", "namespace"], ["spec"]];
  for (const workload of toWorkloads([subject])) {
    for (const container of workload.containers) {
      paths.push(container.path, [...container.path, "image"], [...container.path, "securityContext", "runAsNonRoot"]);
    }
  }
  return paths;
}

/** The source text at a location starts a YAML key or a list item: not blank, not a comment, not mid-value. */
function startsKeyOrItem(text: string, line: number, column: number): boolean {
  const content = text.split("\n")[line - 1] ?? "";
  const rest = content.slice(column - 1);
  const before = content.slice(0, column - 1);
  return /^["']?[^\s"'#:][^"':]*["']?\s*:(\s|$)/.test(rest) || /^\s*-\s+$/.test(before) || /^\s*-\s+/.test(rest);
}

describe.skipIf(!corporaHere || !kubectlHere).each(["aks-store-demo", "microservices-demo", "examples"])("the %s corpus", (corpus) => {
  const root = join(CORPORA, corpus);

  it("scans without errors, every location on a key or list item of an existing file in the corpus", async () => {
    const report = await scan({ paths: [root], sourceRoot: REPO, failOn: "none", rules: BUILT_IN_RULES });
    expect(report.errors).toEqual([]);
    const [loaded] = await loadInputs([root], { sourceRoot: REPO, env: KUBECTL_ONLY });
    if (!loaded) throw new Error("nothing loaded");
    const locations = [
      ...report.findings.map((finding) => finding.location),
      ...loaded.resources.flatMap((subject) => probePaths(subject).map((path) => locate(subject.source, [...subject.basePath, ...path]))),
    ];
    const problems: string[] = [];
    for (const location of locations) {
      if (!location) continue;
      const file = resolve(REPO, location.path);
      const where = `${location.path}:${location.startLine}:${location.startColumn}`;
      if (!file.startsWith(`${root}/`) || file.startsWith(tmpdir())) problems.push(`${where}: outside the corpus`);
      else if (!existsSync(file)) problems.push(`${where}: no such file`);
      else if (!startsKeyOrItem(readFileSync(file, "utf8"), location.startLine, location.startColumn ?? 1))
        problems.push(`${where}: not a key`);
    }
    expect(problems).toEqual([]);
    expect(locations.length).toBeGreaterThan(100);
  });
});

describe.skipIf(!corporaHere || !kubectlHere)("Kustomize in the corpora", () => {
  it("traces the microservices-demo test overlays to the base files and the components' inline patches", async () => {
    const tests = join(CORPORA, "microservices-demo/kustomize");
    const [loaded] = await loadInputs([tests], { sourceRoot: CORPORA, env: KUBECTL_ONLY });
    if (!loaded) throw new Error("nothing loaded");
    const env = [...POD, "containers", 0, "env"];
    const redisAddress = (entry: Resource) => {
      const variables = valueAt(entry.object, env);
      const index = Array.isArray(variables) ? variables.findIndex((variable) => variable?.name === "REDIS_ADDR") : -1;
      return index < 0 ? [] : [at(entry, [...env, index, "value"])];
    };
    const cart = loaded.resources.filter((entry) => entry.kind === "Deployment" && entry.name === "cartservice");
    // The base sets REDIS_ADDR; the memorystore component's inline patch replaces it (spanner's deletes it).
    // The plain overlay and the Istio one render the base's cartservice unchanged: it is checked once.
    expect(cart.flatMap(redisAddress).sort()).toEqual([
      "microservices-demo/kustomize/base/cartservice.yaml:51:11",
      "microservices-demo/kustomize/components/memorystore/kustomization.yaml:31:17",
    ]);
  });
});
