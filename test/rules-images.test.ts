import { describe, expect, it } from "vitest";
import { DEFAULT_RULE_OPTIONS, loadManifests, type RuleOptions, runRules, toWorkloads } from "../core/src/index.js";
import { IMAGE_HYGIENE_RULES, isAllowedRegistry } from "../core/src/rules/image-hygiene.js";
import { type ImageReference, parseImageReference } from "../core/src/rules/image-reference.js";

function findingsFor(text: string, options: Partial<RuleOptions> = {}) {
  const { resources } = loadManifests([{ path: "i.yaml", text }]);
  return runRules(
    IMAGE_HYGIENE_RULES,
    { resources, workloads: toWorkloads(resources), options: { ...DEFAULT_RULE_OPTIONS, ...options } },
    "t",
  );
}

/** A Pod "p" whose containers are these flow mappings, one per line from line 6 on. */
function pod(...containers: string[]): string {
  return `apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  containers:\n${containers.map((container) => `    - ${container}\n`).join("")}`;
}

function at(findings: ReturnType<typeof findingsFor>): string[] {
  return findings.map((finding) => `${finding.ruleId}@${finding.location?.startLine}:${finding.location?.startColumn}`);
}

const DIGEST = `sha256:${"a1".repeat(32)}`;

describe("parseImageReference", () => {
  it.each<[string, ImageReference]>([
    ["nginx", { registry: "docker.io", repository: "library/nginx" }],
    ["nginx:1.25-alpine", { registry: "docker.io", repository: "library/nginx", tag: "1.25-alpine" }],
    ["bitnami/redis:7.2", { registry: "docker.io", repository: "bitnami/redis", tag: "7.2" }],
    ["docker.io/nginx", { registry: "docker.io", repository: "library/nginx" }],
    ["index.docker.io/bitnami/redis", { registry: "docker.io", repository: "bitnami/redis" }],
    ["localhost/app", { registry: "localhost", repository: "app" }],
    ["localhost:5000/team/app:v1", { registry: "localhost:5000", repository: "team/app", tag: "v1" }],
    ["registry:5000", { registry: "docker.io", repository: "library/registry", tag: "5000" }],
    ["[::1]:5000/app", { registry: "[::1]:5000", repository: "app" }],
    ["Registry.Example/app", { registry: "Registry.Example", repository: "app" }],
    ["mcr.microsoft.com/dotnet/aspnet:8.0", { registry: "mcr.microsoft.com", repository: "dotnet/aspnet", tag: "8.0" }],
    [`ghcr.io/org/app@${DIGEST}`, { registry: "ghcr.io", repository: "org/app", digest: DIGEST }],
    [`ghcr.io/org/app:1.0@${DIGEST}`, { registry: "ghcr.io", repository: "org/app", tag: "1.0", digest: DIGEST }],
    ["a__b/c.d-e--f/g_h:T_1.x", { registry: "docker.io", repository: "a__b/c.d-e--f/g_h", tag: "T_1.x" }],
  ])("%s", (text, expected) => {
    expect(parseImageReference(text)).toEqual(expected);
  });

  it.each([
    "",
    "Nginx",
    "nginx:",
    ":1.0",
    "nginx:-1",
    "nginx:a/b",
    `nginx:${"x".repeat(129)}`,
    "a//b",
    "-nginx",
    "nginx_",
    "a___b",
    "<image_url>",
    "ghcr.io/org/app@sha256:abc",
    `ghcr.io/org/app@sha256:${"A1".repeat(32)}`,
    `ghcr.io/org/app@md5:${"a1".repeat(16)}`,
    " nginx",
  ])("refuses %j", (text) => {
    expect(parseImageReference(text)).toBeUndefined();
  });

  it("refuses an image ID, a normalised name over 255 characters and an overlong reference, but not a repository named like an ID", () => {
    expect(parseImageReference("a1".repeat(32))).toBeUndefined();
    expect(parseImageReference(`org/${"a1".repeat(32)}`)).toEqual({ registry: "docker.io", repository: `org/${"a1".repeat(32)}` });
    expect(parseImageReference("a".repeat(237))).toEqual({ registry: "docker.io", repository: `library/${"a".repeat(237)}` });
    expect(parseImageReference("a".repeat(238))).toBeUndefined();
    expect(parseImageReference(`registry.example/${"a/".repeat(600)}b`)).toBeUndefined();
  });
});

describe("isAllowedRegistry", () => {
  const allowed = (image: string, entries: string[]) => {
    const reference = parseImageReference(image);
    if (!reference) throw new Error(`bad test image ${image}`);
    return isAllowedRegistry(reference, entries);
  };

  it("compares on whole path segments", () => {
    expect(allowed("ghcr.io/my-org/app:1", ["ghcr.io/my-org"])).toBe(true);
    expect(allowed("ghcr.io/my-org-evil/app:1", ["ghcr.io/my-org"])).toBe(false);
    expect(allowed("ghcr.io/my-org:1", ["ghcr.io/my-org"])).toBe(true);
    expect(allowed("myacr.azurecr.io/app", ["myacr.azurecr.io"])).toBe(true);
    expect(allowed("myacr.azurecr.io.evil.example/app", ["myacr.azurecr.io"])).toBe(false);
  });

  it("resolves Docker Hub short names and normalises entries", () => {
    expect(allowed("nginx:1.25", ["docker.io/library"])).toBe(true);
    expect(allowed("bitnami/redis:7", ["docker.io/library"])).toBe(false);
    expect(allowed("nginx", ["Index.Docker.io/"])).toBe(true);
    expect(allowed("MyAcr.azurecr.io/app", ["myacr.AZURECR.io"])).toBe(false);
    expect(allowed("nginx", ["nginx", "", "  "])).toBe(false);
  });
});

describe("image-latest-tag and image-not-pinned", () => {
  it("report a missing tag, :latest and any tag without digest at image:, for init and ephemeral containers too", () => {
    const text = [
      "apiVersion: v1",
      "kind: Pod",
      "metadata: { name: p, namespace: n }",
      "spec:",
      "  initContainers:",
      "    - name: init",
      "      image: busybox",
      "  containers:",
      "    - name: app",
      "      image: ghcr.io/org/app:latest",
      "      imagePullPolicy: Always",
      "    - name: pinned",
      `      image: ghcr.io/org/app:latest@${DIGEST}`,
      "  ephemeralContainers:",
      "    - name: debug",
      "      image: busybox:1.36",
      "      imagePullPolicy: Always",
      "",
    ].join("\n");
    const findings = findingsFor(text);
    expect(at(findings)).toEqual([
      "image-latest-tag@7:7",
      "image-latest-tag@10:7",
      "image-not-pinned@7:7",
      "image-not-pinned@10:7",
      "image-not-pinned@16:7",
    ]);
    expect(findings.map((finding) => [finding.resource?.container, finding.message])).toEqual([
      ["init", 'Init container "init" in Pod n/p uses image "busybox" without a tag, which means :latest.'],
      ["app", 'Container "app" in Pod n/p uses image "ghcr.io/org/app:latest", a moving tag.'],
      ["init", 'Init container "init" in Pod n/p uses image "busybox" by tag, not by digest.'],
      ["app", 'Container "app" in Pod n/p uses image "ghcr.io/org/app:latest" by tag, not by digest.'],
      ["debug", 'Ephemeral container "debug" in Pod n/p uses image "busybox:1.36" by tag, not by digest.'],
    ]);
    expect(findings.map((finding) => finding.severity)).toEqual(["medium", "medium", "low", "low", "low"]);
  });
});

describe("image-registry-not-allowed", () => {
  const text = pod(
    "{ name: hub, image: nginx:1.25, imagePullPolicy: Always }",
    "{ name: acr, image: myacr.azurecr.io/shop/web:2, imagePullPolicy: Always }",
    "{ name: evil, image: ghcr.io/my-org-evil/tool:1, imagePullPolicy: Always }",
    "{ name: ours, image: ghcr.io/my-org/tool:1, imagePullPolicy: Always }",
  );

  it("is silent without an allow-list", () => {
    expect(findingsFor(text).filter((finding) => finding.ruleId === "image-registry-not-allowed")).toEqual([]);
  });

  it("reports images outside the allow-list at image:", () => {
    const findings = findingsFor(text, { allowedRegistries: ["myacr.azurecr.io", "ghcr.io/my-org"] }).filter(
      (finding) => finding.ruleId === "image-registry-not-allowed",
    );
    expect(findings.map((finding) => [finding.location?.startLine, finding.location?.startColumn, finding.message])).toEqual([
      [
        6,
        20,
        'Container "hub" in Pod p uses image "nginx:1.25" from docker.io/library/nginx, outside the allowed registries (myacr.azurecr.io, ghcr.io/my-org).',
      ],
      [
        8,
        21,
        'Container "evil" in Pod p uses image "ghcr.io/my-org-evil/tool:1" from ghcr.io/my-org-evil/tool, outside the allowed registries (myacr.azurecr.io, ghcr.io/my-org).',
      ],
    ]);
    expect(findings[0]?.severity).toBe("high");
  });
});

describe("image-pull-policy", () => {
  it("reports a mutable tag that is not pulled Always, at the policy or, when defaulted, at the image", () => {
    const text = pod(
      "{ name: defaulted, image: app:1.0 }",
      "{ name: cached, image: app:1.0, imagePullPolicy: IfNotPresent }",
      "{ name: never, image: app:1.0, imagePullPolicy: Never }",
      "{ name: always, image: app:1.0, imagePullPolicy: Always }",
      "{ name: latest, image: app }",
      `{ name: digest, image: "app@${DIGEST}", imagePullPolicy: IfNotPresent }`,
    );
    const findings = findingsFor(text).filter((finding) => finding.ruleId === "image-pull-policy");
    expect(findings.map((finding) => [finding.location?.startLine, finding.location?.startColumn, finding.message])).toEqual([
      [
        6,
        26,
        'Container "defaulted" in Pod p uses the mutable tag "app:1.0" with imagePullPolicy IfNotPresent (the default for this tag), so nodes may run different images.',
      ],
      [
        7,
        39,
        'Container "cached" in Pod p uses the mutable tag "app:1.0" with imagePullPolicy "IfNotPresent", so nodes may run different images.',
      ],
      [8, 38, 'Container "never" in Pod p uses the mutable tag "app:1.0" with imagePullPolicy "Never", so nodes may run different images.'],
    ]);
  });
});

describe("image-missing", () => {
  it("reports a missing image at the container's name, and a bad one at image:", () => {
    const text = pod(
      "{ name: none }",
      "{ name: empty, image: '' }",
      "{ name: number, image: 42 }",
      "{ name: placeholder, image: <YOUR-CONTAINER> }",
      "{ image: null }",
    );
    const findings = findingsFor(text);
    expect(
      findings.map((finding) => [finding.ruleId, finding.location?.startLine, finding.location?.startColumn, finding.message]),
    ).toEqual([
      ["image-missing", 6, 9, 'Container "none" in Pod p has no image.'],
      ["image-missing", 7, 22, 'Container "empty" in Pod p has an empty image.'],
      ["image-missing", 8, 23, 'Container "number" in Pod p has an image that is not a string.'],
      ["image-missing", 9, 28, 'Container "placeholder" in Pod p has image "<YOUR-CONTAINER>", which is not a valid image reference.'],
      ["image-missing", 10, 7, 'Container "containers[4]" in Pod p has no image.'],
    ]);
  });
});

describe("hostile shapes", () => {
  it.each([
    ["containers is a string", "apiVersion: v1\nkind: Pod\nmetadata: 7\nspec:\n  containers: x\n"],
    ["containers hold junk", "apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  containers: [null, 5, x, []]\n"],
    ["spec is null", "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d }\nspec: null\n"],
  ])("%s: no throw, no finding", (_, text) => {
    expect(findingsFor(text, { allowedRegistries: ["ghcr.io"] })).toEqual([]);
  });

  it("an image that is a list or a map is reported as not a string, and judged by no other rule", () => {
    const findings = findingsFor(pod("{ name: a, image: [nginx] }", "{ name: b, image: { name: nginx } }"), {
      allowedRegistries: ["ghcr.io"],
    });
    expect(at(findings)).toEqual(["image-missing@6:18", "image-missing@7:18"]);
  });
});
