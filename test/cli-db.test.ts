import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, runCliAsync } from "./support/cli.js";
import { tempTree } from "./support/files.js";
import { readSharedRecords, startOsvApi } from "./support/osv-api.js";
import { realPartAvailable } from "./support/real-parts.js";
import { freePort, REGISTRY_BINARY, startRegistry, type TestRegistry } from "./support/registry.js";

const URLLIB3 = resolve("../shared/vulndata/pypa/vulns/urllib3");
const KEV = resolve("../shared/vulndata/kev/known_exploited_vulnerabilities.json");
const sharedHere =
  realPartAvailable("the shared PyPA advisories", URLLIB3, "check out ../shared beside the repository", "read") &&
  realPartAvailable("the shared KEV catalog", KEV, "check out ../shared beside the repository", "read");
const registryHere = realPartAvailable("docker-registry", REGISTRY_BINARY, "apt-get install -y docker-registry");
const skopeoHere = realPartAvailable("skopeo", "/usr/bin/skopeo", "apt-get install -y skopeo");
const SAMPLE_IMAGE = "oci:samples/image/oci:shop-base";
const SAMPLE_DB = "samples/vulndb/db";
/** No credentials, no proxy and no cache of the machine running the tests. */
const cleanEnv = () => ({ DOCKER_CONFIG: "/nonexistent", HTTP_PROXY: "", HTTPS_PROXY: "", XDG_CACHE_HOME: tempTree() });

function urllib3Records(): string[] {
  return readdirSync(URLLIB3)
    .filter((name) => name.endsWith(".yaml"))
    .map((name) => name.replace(/\.yaml$/, ""));
}

describe.skipIf(!sharedHere)("portcullis db build and info", () => {
  let db: string;
  beforeAll(() => {
    db = join(tempTree(), "db");
    const built = runCli(["db", "build", "--osv", URLLIB3, "--kev", KEV, "--out", db]);
    expect(built.stderr).toMatch(/built .*: \d+ advisories for 1 package in 1 ecosystem/);
    expect(built.status).toBe(0);
  });

  it("describes what the database holds, as a table and as JSON", () => {
    const json = runCli(["db", "info", "--db", db, "--format", "json"]);
    expect(json.status).toBe(0);
    const metadata = JSON.parse(json.stdout);
    expect(metadata.schemaVersion).toBe(1);
    expect(Object.keys(metadata.ecosystems)).toEqual(["PyPI"]);
    expect(metadata.sources.map((source: { kind: string }) => source.kind)).toEqual(["osv", "kev"]);
    const withdrawn = urllib3Records().filter((id) => /^withdrawn:/m.test(readFileSync(join(URLLIB3, `${id}.yaml`), "utf8")));
    expect(metadata.totals.advisories).toBe(urllib3Records().length - withdrawn.length);
    const table = runCli(["db", "info", "--db", db]);
    expect(table.stdout).toMatch(/^ {2}PyPI +\d+ advisories +1 packages$/m);
  });

  it("explains what is missing or wrong, with exit code 2", () => {
    const cases: [string[], RegExp][] = [
      [["db", "build", "--out", join(tempTree(), "x")], /needs at least one --osv or --oval source/],
      [["db", "build", "--osv", URLLIB3], /--out is required here/],
      [["db", "build", URLLIB3, "--out", join(tempTree(), "x")], /takes no positional arguments/],
      [["db", "info", "--db", tempTree()], /metadata\.json/],
      [["db", "frobnicate"], /unknown db action "frobnicate"/],
      [["db", "push", "--db", db], /takes exactly one repository reference/],
    ];
    for (const [args, message] of cases) {
      const result = runCli(args, { env: cleanEnv() });
      expect(result.stderr, args.join(" ")).toMatch(message);
      expect(result.status).toBe(2);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("reports a missing --db directory as the one error, and asks no one else about the packages", () => {
    const result = runCli(["scan", "--image", SAMPLE_IMAGE, "--db", join(tempTree(), "missing"), "--format", "json"], { env: cleanEnv() });
    expect(result.status).toBe(2);
    const report = JSON.parse(result.stdout);
    expect(report.errors).toEqual([{ path: "vulnerability database", message: expect.stringMatching(/missing does not exist/) }]);
    expect(report.inventory.images).toHaveLength(1);
  });

  it("refuses a database written by a newer portcullis, saying to upgrade", () => {
    const newer = join(tempTree(), "db");
    runCli(["db", "build", "--osv", URLLIB3, "--out", newer]);
    const metadata = JSON.parse(readFileSync(join(newer, "metadata.json"), "utf8"));
    writeFileSync(join(newer, "metadata.json"), JSON.stringify({ ...metadata, schemaVersion: 99 }));
    const result = runCli(["db", "info", "--db", newer]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/built by a newer portcullis \(schema 99; this one reads 1\): upgrade portcullis/);
  });
});

describe.skipIf(!sharedHere || !registryHere)("portcullis db push and pull through a real registry", () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  }, 30_000);
  afterAll(async () => registry?.stop());

  it("publishes the sample database, pulls it into the cache by digest, and scans with it from there", () => {
    const ref = `${registry.host}/mirror/portcullis-db:1`;
    const env = cleanEnv();
    const pushed = runCli(["db", "push", ref, "--db", SAMPLE_DB], { env });
    expect(pushed.stderr).toBe("");
    expect(pushed.stdout.trim()).toMatch(new RegExp(`^${ref}@sha256:[0-9a-f]{64}$`));
    const pulled = runCli(["db", "pull", ref], { env });
    expect(pulled.status).toBe(0);
    const dir = pulled.stdout.trim();
    expect(dir.startsWith(join(env.XDG_CACHE_HOME, "portcullis"))).toBe(true);
    expect(runCli(["db", "pull", ref], { env }).stderr).toMatch(/already cached/);
    const info = JSON.parse(runCli(["db", "info", "--format", "json"], { env }).stdout);
    expect(info.files).toEqual(JSON.parse(readFileSync(join(SAMPLE_DB, "metadata.json"), "utf8")).files);
    // The scan finds the cached database through the repository, with no --db.
    const scanned = runCli(["scan", "--image", SAMPLE_IMAGE, "--db-repository", ref, "--format", "json"], { env });
    expect(JSON.parse(scanned.stdout).findings.some((finding: { kind: string }) => finding.kind === "vulnerability")).toBe(true);
  });

  it.skipIf(!skopeoHere)("points an image's vulnerabilities at the manifest line that deploys it", () => {
    const image = `${registry.host}/shop/web:1.0`;
    execFileSync("skopeo", ["copy", "--quiet", "--dest-tls-verify=false", SAMPLE_IMAGE, `docker://${image}`]);
    const root = tempTree({
      "deploy/web.yaml": `apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: ${image}\n`,
    });
    const result = runCli(["scan", "deploy", "--image", image, "--db", resolve(SAMPLE_DB), "--format", "json"], {
      cwd: root,
      env: cleanEnv(),
    });
    const finding = JSON.parse(result.stdout).findings.find((each: { ruleId: string }) => each.ruleId === "PYSEC-2023-192");
    expect(finding.location).toMatchObject({ path: "deploy/web.yaml", startLine: 8 });
    expect(finding.target).toBe(`image/${registry.host}/shop/web`);
  });

  it("names every repository tried and how to mirror when none answers and nothing is cached", async () => {
    const first = `127.0.0.1:${await freePort()}/portcullis-db:1`;
    const second = `${registry.host}/nothing-here/portcullis-db:1`;
    const result = runCli(["scan", "--image", SAMPLE_IMAGE, "--db-repository", first, "--db-repository", second], { env: cleanEnv() });
    expect(result.status).toBe(2);
    expect(result.stdout + result.stderr).toContain(first);
    expect(result.stdout + result.stderr).toContain(second);
    expect(result.stdout + result.stderr).toMatch(/mirror/i);
  });

  it("with --skip-db-update asks no registry and says there is no cached database", () => {
    const result = runCli(["scan", "--image", SAMPLE_IMAGE, "--skip-db-update", "--db-repository", `${registry.host}/x:1`], {
      env: cleanEnv(),
    });
    expect(result.status).toBe(2);
    expect(result.stdout + result.stderr).toMatch(/no .*cached/i);
  });
});

describe.skipIf(!sharedHere)("portcullis scan --osv-online", () => {
  it("asks the OSV API about the image's packages and reports what the offline database reports", async () => {
    const server = await startOsvApi(readSharedRecords([URLLIB3]));
    try {
      const args = ["scan", "--image", SAMPLE_IMAGE, "--format", "json"];
      const online = await runCliAsync([...args, "--osv-api", server.endpoint], { env: cleanEnv() });
      expect(server.violations).toEqual([]);
      expect(server.requests.querybatch).toBe(1);
      const offline = runCli([...args, "--db", SAMPLE_DB], { env: cleanEnv() });
      const ids = (output: string) =>
        JSON.parse(output)
          .findings.map(
            (finding: { ruleId: string; package: { fixedVersion?: string } }) => `${finding.ruleId} ${finding.package.fixedVersion}`,
          )
          .sort();
      expect(ids(online.stdout)).toEqual(ids(offline.stdout));
      expect(ids(online.stdout)).toContain("PYSEC-2023-192 1.26.17");
    } finally {
      await server.close();
    }
  });

  it("names the endpoint when the OSV API cannot be reached, with exit code 2", async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const result = runCli(["scan", "--image", SAMPLE_IMAGE, "--osv-api", endpoint], { env: cleanEnv() });
    expect(result.status).toBe(2);
    expect(result.stdout + result.stderr).toContain(endpoint.replace("http://", ""));
  });
});
