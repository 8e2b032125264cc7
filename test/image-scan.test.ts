import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { runCli } from "./support/cli.js";
import { tempTree } from "./support/files.js";
import { realPartAvailable } from "./support/real-parts.js";
import { sarifValidatorAvailable, validateSarif } from "./support/sarif-validator.js";

const ALPINE = resolve("../shared/images/alpine-311.docker-archive.tar.gz");
const alpineHere = realPartAvailable("the shared Alpine 3.11 image", ALPINE, "check out ../shared beside the repository", "read");
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
addFormats.default(ajv);
const validateReport = ajv.compile(JSON.parse(readFileSync("core/schema/report.schema.json", "utf8")));

describe("the bundled sample image (samples/image/oci, real Debian packages)", () => {
  it("is scanned by the README's main command with the sample database, and neither is read as manifests", () => {
    const result = runCli([
      "scan",
      "samples/",
      "--image",
      "oci:samples/image/oci:shop-base",
      "--db",
      "samples/vulndb/db",
      "--format",
      "json",
    ]);
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.summary.nonKubernetesDocuments).toBe(0);
    expect(report.inventory.images).toEqual([
      {
        ref: "oci:samples/image/oci:shop-base",
        digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
        os: { family: "debian", version: "12" },
        packages: 7,
      },
    ]);
    // Debian's python3-urllib3 1.26.12 carries urllib3's own metadata: the PyPA advisory with its fix.
    const urllib3 = report.findings.find((finding: { ruleId: string }) => finding.ruleId === "PYSEC-2023-192");
    expect(urllib3).toMatchObject({
      kind: "vulnerability",
      location: { path: "samples/image/oci/index.json", startLine: 1 },
      package: { name: "urllib3", version: "1.26.12", ecosystem: "PyPI", fixedVersion: "1.26.17" },
      vulnerability: { aliases: expect.arrayContaining(["CVE-2023-43804"]) },
    });
    expect(validateReport(report)).toBe(true);
  });
  it.skipIf(!sarifValidatorAvailable)("gives vulnerabilities SARIF results and rules that GitHub accepts", async () => {
    const file = join(tempTree(), "vulnerabilities.sarif");
    const args = ["scan", "--image", "oci:samples/image/oci:shop-base", "--db", "samples/vulndb/db", "--format", "sarif", "--output", file];
    expect(runCli([...args, "--quiet"]).status).toBe(1);
    const log = JSON.parse(readFileSync(file, "utf8"));
    const [run] = log.runs;
    const rule = run.tool.driver.rules.find((candidate: { id: string }) => candidate.id === "PYSEC-2023-192");
    // The real CVSS 3.1 base score of CVE-2023-43804's vector, as GitHub's security-severity.
    expect(rule.properties["security-severity"]).toBe("8.1");
    const result = run.results.find((candidate: { ruleId: string }) => candidate.ruleId === "PYSEC-2023-192");
    expect(result.locations[0].physicalLocation.artifactLocation.uri).toBe("samples/image/oci/index.json");
    expect((await validateSarif(file)).errors).toEqual([]);
  });
});

describe.skipIf(!alpineHere)("portcullis scan --image", () => {
  const image = `docker-archive:${ALPINE}`;

  it("inventories an image into the JSON report, as its own target, and scans no manifests unless asked", () => {
    const root = tempTree({ "broken.yaml": "a: [\n" });
    const result = runCli(["scan", "--image", image, "--format", "json", "--inventory-only"], { cwd: root });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(validateReport(report), JSON.stringify(validateReport.errors)).toBe(true);
    expect(report.inventory).toEqual({ images: [{ ref: image, os: { family: "alpine", version: "3.11.5" }, packages: 14 }] });
    expect(report.targets).toEqual([{ id: `image/docker-archive:${ALPINE}`, kind: "image", input: image }]);
    expect(report.errors).toEqual([]);
  });

  it("scans manifests and images together, and names an image it cannot read while reporting the rest", () => {
    const root = tempTree({
      "pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  hostPID: true\n  containers: [{ name: c, image: nginx }]\n",
    });
    const result = runCli(
      ["scan", ".", "--image", image, "--image", "docker-archive:missing.tar", "--format", "json", "--inventory-only"],
      { cwd: root },
    );
    expect(result.status).toBe(2);
    const report = JSON.parse(result.stdout);
    expect(report.inventory.images.map((entry: { ref: string }) => entry.ref)).toEqual([image]);
    expect(report.errors).toEqual([{ path: "docker-archive:missing.tar", message: expect.stringContaining("missing.tar") }]);
    expect(report.findings.some((finding: { ruleId: string }) => finding.ruleId === "pss-host-namespaces")).toBe(true);
  });

  it("says what an image without OS or packages holds, as a warning", () => {
    const result = runCli(["scan", "--image", `oci:${resolve("../shared/images/tiny.oci")}`, "--inventory-only"]);
    expect(result.status).toBe(0);
    const text = result.stdout.replace(/\s+/g, " ");
    expect(text).toMatch(/no operating system identified and no packages found/);
    expect(text).toMatch(/Image oci:\S*tiny\.oci: no OS identified, 0 packages\./);
  });

  it.skipIf(!sarifValidatorAvailable)("gives the image its own SARIF run that GitHub accepts", async () => {
    const dir = tempTree();
    const file = join(dir, "image.sarif");
    const result = runCli([
      "scan",
      "samples/k8s/insecure",
      "--image",
      image,
      "--format",
      "sarif",
      "--output",
      file,
      "--quiet",
      "--inventory-only",
    ]);
    expect(result.status).toBe(1);
    const log = JSON.parse(readFileSync(file, "utf8"));
    expect(log.runs.map((run: { automationDetails: { id: string } }) => run.automationDetails.id)).toEqual([
      "portcullis/manifests/samples/k8s/insecure/",
      `portcullis/image/docker-archive:${ALPINE}/`,
    ]);
    writeFileSync(file, JSON.stringify(log));
    expect((await validateSarif(file)).errors).toEqual([]);
  });

  it("caches layers in --cache-dir so a rescan gives the same inventory, and writes nothing with --no-cache", () => {
    const cache = tempTree();
    const first = runCli(["scan", "--image", image, "--format", "json", "--cache-dir", cache, "--inventory-only"]);
    expect(readdirSync(cache, { recursive: true }).length).toBeGreaterThan(0);
    const second = runCli(["scan", "--image", image, "--format", "json", "--cache-dir", cache, "--inventory-only"]);
    expect(JSON.parse(second.stdout).inventory).toEqual(JSON.parse(first.stdout).inventory);
    const untouched = tempTree();
    runCli(["scan", "--image", image, "--no-cache", "--inventory-only"], { env: { XDG_CACHE_HOME: untouched } });
    expect(readdirSync(untouched)).toEqual([]);
  });

  it("rejects a malformed --platform", () => {
    const result = runCli(["scan", "--image", image, "--platform", "linux"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('platform "linux" is not os/arch[/variant]');
  });
});

describe.skipIf(!alpineHere)("portcullis sbom", () => {
  /** `name@version` of every package in the image's apk database, read with tar alone. */
  function apkDatabase(): string[] {
    const dir = tempTree();
    execFileSync("tar", ["-xzf", ALPINE, "-C", dir]);
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    const layer = join(dir, manifest[0].Layers[0]);
    const database = execFileSync("tar", ["-xOf", layer, "lib/apk/db/installed"], { encoding: "utf8" });
    return database
      .split("\n\n")
      .filter((entry) => entry.includes("P:"))
      .map((entry) => `${/^P:(.*)$/m.exec(entry)?.[1]}@${/^V:(.*)$/m.exec(entry)?.[1]}`)
      .sort();
  }

  it("lists exactly the packages of the image's apk database, with versions and purls (CycloneDX 1.6)", () => {
    const result = runCli(["sbom", `docker-archive:${ALPINE}`, "--format", "cyclonedx-json"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const bom = JSON.parse(result.stdout);
    expect(bom.specVersion).toBe("1.6");
    const components = bom.components as { name: string; version: string; purl: string }[];
    expect(components.map((component) => `${component.name}@${component.version}`).sort()).toEqual(apkDatabase());
    for (const component of components) {
      expect(component.purl).toBe(`pkg:apk/alpine/${component.name}@${component.version}?arch=x86_64&distro=alpine-3.11.5`);
    }
  });

  it("writes SPDX 2.3 to a file, and rejects a second reference", () => {
    const dir = tempTree();
    const file = join(dir, "sbom.spdx.json");
    expect(runCli(["sbom", `docker-archive:${ALPINE}`, "--format", "spdx-json", "--output", file]).status).toBe(0);
    const document = JSON.parse(readFileSync(file, "utf8"));
    expect(document.spdxVersion).toBe("SPDX-2.3");
    expect(document.packages).toHaveLength(15);
    const twice = runCli(["sbom", "oci:a", "oci:b"]);
    expect(twice.status).toBe(2);
    expect(twice.stderr).toContain("sbom takes exactly one image reference.");
  });
});
