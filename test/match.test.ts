import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import semver from "semver";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { pythonAnalyzer } from "../core/src/inventory/analyzers/python.js";
import { inventoryOf } from "../core/src/inventory/inventory.js";
import { osvEcosystem } from "../core/src/inventory/os-release.js";
import type { FileView, InventoryPackage, OsInfo } from "../core/src/inventory/types.js";
import { matchPackages, type VulnerabilityMatch } from "../core/src/match/index.js";
import { compareVersions } from "../core/src/versions/index.js";
import { buildDatabase, openDatabase, type VulnerabilityDatabase } from "../core/src/vulndb/db/index.js";
import { fileViewOfTree } from "./support/file-view.js";
import { tempTree } from "./support/files.js";
import { realPartAvailable } from "./support/real-parts.js";

const VULNDATA = "../shared/vulndata";
const GO = `${VULNDATA}/go/osv`;
const PYPA = `${VULNDATA}/pypa/vulns`;
const KEV = `${VULNDATA}/kev/known_exploited_vulnerabilities.json`;
const OVAL = `${VULNDATA}/azurelinux/azurelinux-3.0-oval.xml`;
const FIXTURES = resolve("test/fixtures/match/osv");
const GHSA_URLLIB3 = join(FIXTURES, "GHSA-v845-jxx5-vc9f.json");
const LAYER = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
const vulndataHere = realPartAvailable("the shared vulnerability data", KEV, "check out ../shared beside the repository", "read");
const registryHere = realPartAvailable("docker-registry", "/usr/bin/docker-registry", "apt-get install -y docker-registry", "read");

/** A package as the analyzers write it; `source` only for distro packages. */
function pkg(name: string, version: string, ecosystem: string, source?: { name: string; version: string }): InventoryPackage {
  return { name, version, ecosystem, purl: `pkg:generic/${name}@${version}`, ...(source && { source }), layer: LAYER, path: "var/lib/x" };
}

async function databaseOf(options: { osv: string[]; oval?: string[]; kev?: string }): Promise<VulnerabilityDatabase> {
  const out = join(tempTree(), "db");
  await buildDatabase({ ...options, out, now: new Date("2026-03-01T00:00:00Z") });
  return openDatabase(out);
}

function byId(matches: VulnerabilityMatch[]): Map<string, VulnerabilityMatch> {
  return new Map(matches.map((match) => [match.id, match]));
}

function idsOf(matches: VulnerabilityMatch[], name?: string): string[] {
  return matches.filter((match) => name === undefined || match.package.name === name).map((match) => match.id);
}

/** The files under `root` the analyzer wants, as the layer walker hands them over. */
function viewOfTree(root: string, wants: (path: string) => number | undefined): FileView {
  return fileViewOfTree(root, wants, LAYER);
}

describe("distribution packages (hand-written records in the distributions' shapes, test/fixtures/match)", () => {
  let db: VulnerabilityDatabase;
  beforeAll(async () => {
    db = await databaseOf({ osv: [FIXTURES] });
  });

  it("looks Debian packages up by source package and source version, each binary package reported", () => {
    const debian: OsInfo = { family: "debian", version: "12.4" };
    const ecosystem = osvEcosystem(debian) as string;
    expect(ecosystem).toBe("Debian:12");
    const source = { name: "openssl", version: "3.0.11-1~deb12u1" };
    // libssl3's own version carries a binNMU suffix; Debian's advisories speak of the source version.
    const packages = [pkg("libssl3", "3.0.11-1~deb12u1+b1", ecosystem, source), pkg("openssl", "3.0.11-1~deb12u1", ecosystem, source)];
    const { matches, notes } = matchPackages(packages, debian, db);
    expect(notes).toEqual([]);
    // Most severe first: the DSA is unrated (medium), Debian rates the CVE low.
    expect(idsOf(matches, "libssl3")).toEqual(["DSA-9001-1", "DEBIAN-CVE-2099-1001"]);
    expect(idsOf(matches, "openssl")).toEqual(["DSA-9001-1", "DEBIAN-CVE-2099-1001"]);
    const ofLibssl3 = byId(matches.filter((match) => match.package === packages[0]));
    const tracker = ofLibssl3.get("DEBIAN-CVE-2099-1001");
    const dsa = ofLibssl3.get("DSA-9001-1");
    expect(tracker).toMatchObject({
      package: packages[0],
      // The CVE a DEBIAN-CVE record is named after is its alias; the DSA's upstream CVEs are not (it covers two).
      aliases: ["CVE-2099-1001"],
      severity: "low",
      severitySource: "Debian",
      fixedVersion: "3.0.11-1~deb12u2",
      advisories: ["DEBIAN-CVE-2099-1001"],
      references: ["https://security-tracker.debian.org/tracker/CVE-2099-1001"],
    });
    expect(tracker?.unfixedState).toBeUndefined();
    expect(dsa).toMatchObject({ aliases: [], severity: "medium", severitySource: "unrated", summary: "openssl - security update" });
    expect(dsa?.cvss).toBeUndefined();
  });

  it("compares Debian versions as dpkg does: `~` sorts before the end, the fix and later are not affected", () => {
    const at = (version: string) =>
      idsOf(matchPackages([pkg("openssl", version, "Debian:12", { name: "openssl", version })], undefined, db).matches);
    expect(at("3.0.11-1~deb12u1")).toEqual(["DSA-9001-1", "DEBIAN-CVE-2099-1001"]);
    expect(at("3.0.11-1~deb12u2")).toEqual([]);
    expect(at("3.0.11-1")).toEqual([]);
    expect(at("3.0.10-1")).toEqual(["DSA-9001-1", "DEBIAN-CVE-2099-1001"]);
  });

  it("reads epochs: a missing epoch is 0, so below any fix that has one", () => {
    const at = (version: string) =>
      matchPackages([pkg("passwd", version, "Debian:12", { name: "shadow", version })], undefined, db).matches;
    expect(at("1:4.13+dfsg1-1").map((match) => [match.id, match.fixedVersion])).toEqual([
      ["DEBIAN-CVE-2099-1004", "1:4.13+dfsg1-1+deb12u1"],
    ]);
    expect(idsOf(at("4.13+dfsg1-1+deb12u1"))).toEqual(["DEBIAN-CVE-2099-1004"]);
    expect(idsOf(at("1:4.13+dfsg1-1+deb12u1"))).toEqual([]);
  });

  it("reports what Debian will not fix as such, rated by Debian over a CVSS 9.8", () => {
    const [match, ...rest] = matchPackages(
      [pkg("libsystemd0", "252.22-1~deb12u1", "Debian:12", { name: "systemd", version: "252.22-1~deb12u1" })],
      undefined,
      db,
    ).matches;
    expect(rest).toEqual([]);
    expect(match).toMatchObject({ id: "DEBIAN-CVE-2099-1003", severity: "info", severitySource: "Debian", unfixedState: "will-not-fix" });
    expect(match?.fixedVersion).toBeUndefined();
    expect(match?.cvss).toEqual({ version: "3.1", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 9.8 });
  });

  it("takes Ubuntu Pro's fix for an image without Pro, one match for the record's two entries", () => {
    const ubuntu: OsInfo = { family: "ubuntu", version: "22.04" };
    const ecosystem = osvEcosystem(ubuntu) as string;
    expect(ecosystem).toBe("Ubuntu:22.04:LTS");
    const version = "1.34+dfsg-1ubuntu0.1.22.04.1";
    const { matches } = matchPackages([pkg("tar", version, ecosystem, { name: "tar", version })], ubuntu, db);
    expect(matches).toHaveLength(1);
    expect(matches[0]).toMatchObject({
      id: "UBUNTU-CVE-2099-1005",
      aliases: ["CVE-2099-1005"],
      severity: "medium",
      severitySource: "Ubuntu",
      fixedVersion: "1.34+dfsg-1ubuntu0.1.22.04.2+esm1",
      advisories: ["UBUNTU-CVE-2099-1005"],
    });
  });

  it("looks Alpine packages up by origin and compares -r revisions", () => {
    const alpine: OsInfo = { family: "alpine", version: "3.18.4" };
    const ecosystem = osvEcosystem(alpine) as string;
    expect(ecosystem).toBe("Alpine:v3.18");
    const at = (version: string) =>
      matchPackages([pkg("libcrypto3", version, ecosystem, { name: "openssl", version })], alpine, db).matches.map((match) => [
        match.id,
        match.fixedVersion,
      ]);
    expect(at("3.1.3-r0")).toEqual([["ALPINE-CVE-2099-1006", "3.1.4-r1"]]);
    expect(at("3.1.4-r0")).toEqual([["ALPINE-CVE-2099-1006", "3.1.4-r1"]]);
    expect(at("3.1.4-r1")).toEqual([]);
    expect(at("3.1.5-r0")).toEqual([]);
  });

  it("matches RHEL packages in every enterprise_linux stream of the major release, not EUS and not another release", () => {
    const rhel9: OsInfo = { family: "rhel", version: "9.3" };
    const openssl = (version: string) => pkg("openssl-libs", version, "Red Hat", { name: "openssl", version });
    const nine = matchPackages([openssl("1:3.0.7-24.el9"), openssl("1:3.0.7-18.el9")], rhel9, db).matches;
    // appstream and baseos give the same advisory: one match; the EUS stream's lower fix is not offered.
    expect(nine.map((match) => [match.id, match.fixedVersion, match.advisories])).toEqual([
      ["RHSA-2099:1007", "1:3.0.7-27.el9", ["RHSA-2099:1007"]],
      ["RHSA-2099:1007", "1:3.0.7-27.el9", ["RHSA-2099:1007"]],
    ]);
    expect(nine[0]).toMatchObject({ severity: "medium", severitySource: "CVSS 3.1", cvss: { score: 5.9 } });
    expect(matchPackages([openssl("1:3.0.7-27.el9")], rhel9, db).matches).toEqual([]);
    const eight = matchPackages([openssl("1:1.1.1k-9.el8_7")], { family: "rhel", version: "8.9" }, db).matches;
    expect(eight.map((match) => match.fixedVersion)).toEqual(["1:1.1.1k-12.el8_9"]);
    expect(matchPackages([openssl("1:3.0.7-24.el9")], { family: "rhel" }, db).notes).toEqual([
      "the release of the Red Hat packages is not known (no VERSION_ID in os-release), so no advisories apply; its package was not checked",
    ]);
  });

  it("treats a `0:` epoch as no epoch (Rocky Linux)", () => {
    const rocky: OsInfo = { family: "rocky", version: "9.3" };
    const ecosystem = osvEcosystem(rocky) as string;
    const at = (version: string) => matchPackages([pkg("libcurl", version, ecosystem, { name: "curl", version })], rocky, db).matches;
    expect(at("7.76.1-26.el9_3.2")).toEqual([]);
    expect(at("7.76.1-26.el9_3").map((match) => [match.id, match.fixedVersion])).toEqual([["RLSA-2099:1008", "0:7.76.1-26.el9_3.2"]]);
  });

  it("finds SUSE's and openSUSE's records under the names SUSE publishes them by", () => {
    const sles: OsInfo = { family: "sles", version: "15.5", name: "SUSE Linux Enterprise Server 15 SP5" };
    const leap: OsInfo = { family: "opensuse-leap", version: "15.5", name: "openSUSE Leap 15.5" };
    const source = { name: "openssl-3", version: "3.0.8-150500.5.8.1" };
    for (const os of [sles, leap]) {
      const found = pkg("libopenssl3", source.version, osvEcosystem(os) as string, source);
      expect(matchPackages([found], os, db).matches.map((match) => [match.id, match.fixedVersion])).toEqual([
        ["SUSE-SU-2099:1009-1", "3.0.8-150500.5.14.1"],
      ]);
    }
  });

  it("drops matches without a fix when asked to", () => {
    const packages = [
      pkg("libsystemd0", "252.22-1~deb12u1", "Debian:12", { name: "systemd", version: "252.22-1~deb12u1" }),
      pkg("passwd", "1:4.13+dfsg1-1", "Debian:12", { name: "shadow", version: "1:4.13+dfsg1-1" }),
    ];
    expect(idsOf(matchPackages(packages, undefined, db).matches)).toEqual(["DEBIAN-CVE-2099-1003", "DEBIAN-CVE-2099-1004"]);
    expect(idsOf(matchPackages(packages, undefined, db, { onlyFixed: true }).matches)).toEqual(["DEBIAN-CVE-2099-1004"]);
  });

  it("notes what it could not check, one line per ecosystem, never a wrong distribution's advisories", () => {
    const packages = [
      pkg("bash", "5.2.15-2", "Debian:13", { name: "bash", version: "5.2.15-2" }),
      pkg("libc6", "2.36-9", "Debian:13", { name: "glibc", version: "2.36-9" }),
      pkg("coreutils", "9.1-1", "Debian", { name: "coreutils", version: "9.1-1" }),
      pkg("openssl", "1:1.0.2k-26.el7_9", "centos", { name: "openssl", version: "1:1.0.2k-26.el7_9" }),
      pkg("glibc", "2.34-52.amzn2023", "amzn", { name: "glibc", version: "2.34-52.amzn2023" }),
      pkg("left-pad", "1.3.0", "npm"),
      pkg("openssl-libs", "3.1.4-1.cm2", "mariner", { name: "openssl", version: "3.1.4-1.cm2" }),
    ];
    const { matches, notes } = matchPackages(packages, { family: "mariner", version: "2.0" }, db);
    expect(matches).toEqual([]);
    expect(notes).toEqual([
      "no advisories for Debian:13 in the database; its 2 packages were not checked",
      "the release of the Debian packages is not known (no VERSION_ID in os-release), so no advisories apply; its package was not checked",
      "centos packages cannot be matched (OSV has no such ecosystem, or Portcullis no version order for it); its package was not checked",
      "amzn packages cannot be matched (OSV has no such ecosystem, or Portcullis no version order for it); its package was not checked",
      "no advisories for npm in the database; its package was not checked",
      "no advisories for Azure Linux:2.0 in the database; its package was not checked",
    ]);
  });
});

describe.skipIf(!vulndataHere)("real data: one database of the Go and PyPA records, Azure Linux's OVAL feed and CISA's KEV catalog", () => {
  let db: VulnerabilityDatabase;
  beforeAll(async () => {
    // GitHub's advisory for CVE-2023-43804 (a fixture) joins the real records, to be merged with PYSEC-2023-192.
    db = await databaseOf({ osv: [GO, PYPA, GHSA_URLLIB3], oval: [OVAL], kev: KEV });
  });

  describe.skipIf(!registryHere)("Go stdlib of Debian's docker-registry (Go 1.19.8)", () => {
    it("reports exactly the stdlib advisories whose ranges hold 1.19.8, each with its fix", () => {
      const files: FileView = new Map([
        [
          "usr/bin/docker-registry",
          { path: "usr/bin/docker-registry", content: readFileSync("/usr/bin/docker-registry"), mode: 0o100755, layer: LAYER },
        ],
      ]);
      const inventory = inventoryOf(files);
      expect(inventory.packages.map((found) => [found.name, found.version, found.ecosystem])).toEqual([["stdlib", "v1.19.8", "Go"]]);
      const started = performance.now();
      const { matches, notes } = matchPackages(inventory.packages, inventory.os, db);
      const ms = performance.now() - started;
      expect(notes).toEqual([]);
      const expected = goAdvisoriesAffecting("stdlib", "1.19.8");
      console.log(`docker-registry: stdlib v1.19.8 → ${expected.size} Go advisories in ${matches.length} matches (${ms.toFixed(0)} ms)`);
      expect(expected.size).toBeGreaterThan(50);
      expectGoMatches(matches, expected);
      // GO-2023-2185's second entry re-opens the flaw at 1.20.11, the first entry's fix.
      expect(byId(matches).get("GO-2023-2185")?.fixedVersion).toBe("1.20.12");
    });
  });

  it("matches the Go modules of kubectl 1.27's build information as an independent reading of the records does", () => {
    const inventory = inventoryOf(
      new Map([
        [
          "usr/local/bin/kubectl",
          {
            path: "usr/local/bin/kubectl",
            content: readFileSync("test/fixtures/analyzers/go/kubectl-1.27.go.buildinfo"),
            mode: 0o100755,
            layer: LAYER,
          },
        ],
      ]),
    );
    const { matches, notes } = matchPackages(inventory.packages, inventory.os, db);
    // Pseudo-versions and `+incompatible` are valid semantic versions: nothing unreadable.
    expect(notes).toEqual([]);
    let expectedTotal = 0;
    for (const found of inventory.packages) {
      const expected = goAdvisoriesAffecting(found.name, found.version.replace(/^v/, ""));
      expectedTotal += expected.size;
      expectGoMatches(
        matches.filter((match) => match.package === found),
        expected,
      );
    }
    const affectedModules = new Set(matches.map((match) => match.package.name)).size;
    console.log(
      `kubectl 1.27: ${inventory.packages.length} modules, ${affectedModules} of them affected, ${expectedTotal} Go advisories in ${matches.length} matches`,
    );
    expect(expectedTotal).toBeGreaterThan(10);
  });

  describe("urllib3 1.26.12 as Debian 12's python3-urllib3 ships it", () => {
    let urllib3: InventoryPackage;
    beforeAll(() => {
      const root = resolve("test/fixtures/analyzers/python");
      const found = pythonAnalyzer.analyze(viewOfTree(root, pythonAnalyzer.wants), { family: "debian", version: "12" });
      urllib3 = found.find((each) => each.name === "urllib3") as InventoryPackage;
      expect(urllib3).toMatchObject({ name: "urllib3", version: "1.26.12", ecosystem: "PyPI" });
    });

    it("reports PYSEC-2023-192 (CVE-2023-43804), fixed in 1.26.17, with GitHub's advisory merged in", () => {
      const { matches, notes } = matchPackages([urllib3], undefined, db);
      expect(notes).toEqual([]);
      const match = byId(matches).get("PYSEC-2023-192");
      expect(match).toMatchObject({
        aliases: ["CVE-2023-43804", "GHSA-v845-jxx5-vc9f"],
        advisories: ["PYSEC-2023-192", "GHSA-v845-jxx5-vc9f"],
        fixedVersion: "1.26.17",
        // GitHub's own rating (moderate) counts before the CVSS 3.1 score of 8.1 (high), which is still shown.
        severity: "medium",
        severitySource: "GHSA",
        cvss: { version: "3.1", vector: "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N", score: 8.1 },
      });
      // The PyPA record's own summary: it names the finding.
      expect(match?.summary).toMatch(/^urllib3 is a user-friendly HTTP client library/);
      expect(match?.references).toContain("https://github.com/advisories/GHSA-v845-jxx5-vc9f");
      // Every match is a PyPA record whose own versions list names 1.26.12.
      const listing = readdirSync(join(PYPA, "urllib3"))
        .map((file) => parseYaml(readFileSync(join(PYPA, "urllib3", file), "utf8")) as { id: string; affected: { versions?: string[] }[] })
        .filter((record) => record.affected.some((entry) => entry.versions?.includes("1.26.12")))
        .map((record) => record.id);
      expect(idsOf(matches).sort()).toEqual(listing.sort());
    });
  });

  it("carries the KEV entry of a CVE in CISA's catalog", () => {
    const catalog = JSON.parse(readFileSync(KEV, "utf8")) as { vulnerabilities: { cveID: string; dateAdded: string }[] };
    const known = new Map(catalog.vulnerabilities.map((entry) => [entry.cveID, entry]));
    // A PyPA record about a known-exploited CVE, and a version its own list names.
    const candidates = readdirSync(PYPA, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .flatMap((directory) =>
        readdirSync(join(PYPA, directory.name)).map(
          (file) =>
            parseYaml(readFileSync(join(PYPA, directory.name, file), "utf8")) as {
              id: string;
              withdrawn?: string;
              aliases?: string[];
              affected: { package: { name: string }; versions?: string[] }[];
            },
        ),
      )
      .filter((record) => !record.withdrawn && record.aliases?.some((alias) => known.has(alias)) && record.affected[0]?.versions?.length)
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(candidates.length).toBeGreaterThan(0);
    const record = candidates[0] as (typeof candidates)[number];
    const cve = record.aliases?.find((alias) => known.has(alias)) as string;
    const entry = record.affected[0] as { package: { name: string }; versions: string[] };
    const version = entry.versions.at(-1) as string;
    const match = byId(matchPackages([pkg(entry.package.name, version, "PyPI")], undefined, db).matches).get(record.id);
    console.log(`KEV: ${record.id} (${cve}, added ${known.get(cve)?.dateAdded}) matches ${entry.package.name} ${version}`);
    expect(match?.kev).toMatchObject({ cve, dateAdded: known.get(cve)?.dateAdded });
  });

  describe("Azure Linux 3.0 against Microsoft's OVAL feed", () => {
    let urllib3Fixes: Map<string, string>;
    beforeAll(() => {
      urllib3Fixes = ovalFixes(readFileSync(OVAL, "utf8"), "python-urllib3");
    });

    it("matches a binary rpm by its source rpm below the fixed EVR, not at or above it", () => {
      // The premise, from the feed itself: every python-urllib3 fix is 0:2.0.7-1.azl3.
      expect(new Set(urllib3Fixes.values())).toEqual(new Set(["0:2.0.7-1.azl3"]));
      const azure: OsInfo = { family: "azurelinux", version: "3.0" };
      const ecosystem = osvEcosystem(azure) as string;
      expect(ecosystem).toBe("Azure Linux:3.0");
      const at = (version: string) =>
        matchPackages([pkg("python3-urllib3", version, ecosystem, { name: "python-urllib3", version })], azure, db).matches;
      const below = at("2.0.6-1.azl3");
      expect(below.map((match) => match.id).sort()).toEqual([...urllib3Fixes.keys()].sort());
      for (const match of below) {
        expect(compareVersions(ecosystem, match.fixedVersion as string, "0:2.0.7-1.azl3")).toBe(0);
        expect(match.severitySource).toBe("Azure Linux");
      }
      expect(byId(below).get("CVE-2023-43804")?.severity).toBe("high");
      expect(at("2.0.7-1.azl3")).toEqual([]);
      expect(at("2.0.7-2.azl3")).toEqual([]);
      expect(at("2.0.7-0.azl3")).toHaveLength(urllib3Fixes.size);
    });

    it("looks a CBL-Mariner image up in the same database's Azure Linux 2 data only", () => {
      const { matches, notes } = matchPackages(
        [pkg("python3-urllib3", "1.26.0-1.cm2", "mariner", { name: "python-urllib3", version: "1.26.0-1.cm2" })],
        { family: "mariner", version: "2.0" },
        db,
      );
      expect(matches).toEqual([]);
      expect(notes).toEqual(["no advisories for Azure Linux:2.0 in the database; its package was not checked"]);
    });
  });
});

/** The matches cover exactly the expected advisories, each match with the smallest fix of those it merges. */
function expectGoMatches(matches: VulnerabilityMatch[], expected: Map<string, string | undefined>): void {
  expect(matches.flatMap((match) => match.advisories).sort()).toEqual([...expected.keys()].sort());
  for (const match of matches) {
    expect(match.id).toMatch(/^GO-/);
    const fixes = match.advisories.flatMap((id) => expected.get(id) ?? []);
    expect([match.id, match.fixedVersion]).toEqual([match.id, [...fixes].sort(semver.compare)[0]]);
  }
}

interface GoRecord {
  id: string;
  withdrawn?: string;
  affected?: { package: { name: string }; ranges?: { type: string; events: Record<string, string>[] }[] }[];
}

let goRecordsRead: GoRecord[] | undefined;

/** The Go vulnerability database's records as JSON, read once. */
function goRecords(): GoRecord[] {
  goRecordsRead ??= readdirSync(GO).map((file) => JSON.parse(readFileSync(join(GO, file), "utf8")) as GoRecord);
  return goRecordsRead;
}

/**
 * The Go advisories whose ranges for module `name` hold `version` (semver, no `v`), with their
 * fix: the smallest `fixed` above it that none of the advisory's ranges for the module holds
 * (GO-2023-2185 fixes 1.20.11 in one entry and has it regress in another). An evaluation written
 * here from the OSV schema's pseudo-code, with `semver` and sorting, independent of the matcher.
 */
function goAdvisoriesAffecting(name: string, version: string): Map<string, string | undefined> {
  const found = new Map<string, string | undefined>();
  for (const record of goRecords()) {
    if (record.withdrawn) continue;
    const ranges = (record.affected ?? [])
      .filter((entry) => entry.package.name === name)
      .flatMap((entry) => (entry.ranges ?? []).filter((range) => range.type === "SEMVER"))
      .map((range) => range.events.map((event) => Object.entries(event)[0] as [string, string]));
    if (!ranges.some((events) => holds(events, version))) continue;
    const fixes = ranges
      .flat()
      .filter(([kind, value]) => kind === "fixed" && semver.gt(value, version))
      .map(([, value]) => value)
      .sort(semver.compare);
    found.set(
      record.id,
      fixes.find((fix) => !ranges.some((events) => holds(events, fix))),
    );
  }
  return found;
}

/** The schema's IncludedInRanges for one SEMVER range: its events sorted, then walked. */
function holds(events: [string, string][], version: string): boolean {
  const at = (value: string) => (value === "0" ? "0.0.0-0" : value);
  let vulnerable = false;
  for (const [kind, value] of [...events].sort((a, b) => semver.compare(at(a[1]), at(b[1])))) {
    if (kind === "introduced" && semver.gte(version, at(value))) vulnerable = true;
    else if (kind === "fixed" && semver.gte(version, value)) vulnerable = false;
    else if (kind === "last_affected" && semver.gt(version, value)) vulnerable = false;
  }
  return vulnerable;
}

/** CVE → fixed EVR of every applicable OVAL definition for `name`, read from the XML text with patterns. */
function ovalFixes(xml: string, name: string): Map<string, string> {
  const objects = new Map(
    [...xml.matchAll(/<linux-def:rpminfo_object id="([^"]+)"[^>]*>\s*<linux-def:name>([^<]+)</g)].map((m) => [m[1], m[2]]),
  );
  const states = new Map(
    [...xml.matchAll(/<linux-def:rpminfo_state id="([^"]+)"[^>]*>\s*<linux-def:evr[^>]*>([^<]+)</g)].map((m) => [m[1], m[2]]),
  );
  const tests = new Map(
    [
      ...xml.matchAll(
        /<linux-def:rpminfo_test [^>]*id="([^"]+)"[^>]*>\s*<linux-def:object object_ref="([^"]+)"\/>\s*<linux-def:state state_ref="([^"]+)"/g,
      ),
    ].map((m) => [m[1], { name: objects.get(m[2] as string), evr: states.get(m[3] as string) }]),
  );
  const fixes = new Map<string, string>();
  for (const [definition] of xml.matchAll(/<definition [\s\S]*?<\/definition>/g)) {
    const test = tests.get(/test_ref="([^"]+)"/.exec(definition)?.[1] ?? "");
    const cve = /ref_id="(CVE-[^"]+)"/.exec(definition)?.[1];
    if (test?.name === name && cve && test.evr && !definition.includes("Not Applicable")) fixes.set(cve, test.evr);
  }
  return fixes;
}
