import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { InventoryPackage } from "../core/src/inventory/types.js";
import { matchPackages, type VulnerabilityMatch } from "../core/src/match/index.js";
import { cvssRating } from "../core/src/vulndb/cvss.js";
import { openDatabase, type VulnerabilityDatabase, writeDatabase } from "../core/src/vulndb/db/index.js";
import type { Advisory, AffectedPackage, CvssRating, VendorRating } from "../core/src/vulndb/types.js";
import { vendorRating } from "../core/src/vulndb/vendor-ratings.js";
import { tempTree } from "./support/files.js";

/** Merging, naming and rating matches, on advisories written straight into a database. */

function entry(ecosystem: string, name: string, events: AffectedPackage["ranges"][number]["events"], extra: Partial<AffectedPackage> = {}) {
  return { ecosystem, name, ranges: [{ type: "ECOSYSTEM" as const, events }], versions: [], ...extra };
}

function advisory(id: string, affected: AffectedPackage[], extra: Partial<Advisory> = {}): Advisory {
  return { id, aliases: [], related: [], modified: "2099-01-01T00:00:00Z", cvss: [], references: [], affected, source: "osv", ...extra };
}

async function databaseOf(advisories: Advisory[]): Promise<VulnerabilityDatabase> {
  const out = join(tempTree(), "db");
  await writeDatabase(
    (async function* () {
      yield* advisories;
    })(),
    { out },
  );
  return openDatabase(out);
}

function pkg(name: string, version: string, ecosystem: string): InventoryPackage {
  return { name, version, ecosystem, purl: `pkg:generic/${name}@${version}`, layer: "sha256:0", path: "x" };
}

function scored(vector: string): CvssRating {
  const rating = cvssRating(vector);
  if (!rating) throw new Error(`test vector ${vector} does not score`);
  return rating;
}

function rated(source: string, label: string): VendorRating {
  const rating = vendorRating(source, label);
  if (!rating) throw new Error(`test label ${source} ${label} is not known`);
  return rating;
}

const CRITICAL_31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";

describe("merging advisories into one match per vulnerability", () => {
  const chain = [
    advisory("PYSEC-2099-1", [entry("PyPI", "demo", [{ introduced: "0" }, { fixed: "1.5" }])], {
      aliases: ["GHSA-aaaa-bbbb-cccc"],
      cvss: [scored(CRITICAL_31)],
      summary: "PyPA's summary",
      references: ["https://pypa.test/1", "https://shared.test/x"],
    }),
    advisory("GHSA-aaaa-bbbb-cccc", [entry("PyPI", "demo", [{ introduced: "0" }, { fixed: "1.4" }])], {
      aliases: ["CVE-2099-2001"],
      vendorRating: rated("GHSA", "HIGH"),
      kev: { cve: "CVE-2099-2001", dateAdded: "2099-03-01" },
      epss: { cve: "CVE-2099-2001", score: 0.2, percentile: 0.9 },
      summary: "GitHub's summary",
      references: ["https://github.test/a", "https://shared.test/x"],
    }),
    advisory("CVE-2099-2001", [entry("PyPI", "demo", [{ introduced: "0" }, { fixed: "1.6" }])], {
      kev: { cve: "CVE-2099-2001", dateAdded: "2099-02-01" },
      epss: { cve: "CVE-2099-2001", score: 0.5, percentile: 0.99 },
    }),
    advisory("PYSEC-2099-2", [entry("PyPI", "demo", [{ introduced: "0" }])]),
  ];

  it("merges PYSEC ↔ GHSA ↔ CVE transitively under the PyPA id, with the smallest fix, GitHub's rating, the earliest KEV and highest EPSS", async () => {
    const db = await databaseOf(chain);
    const { matches } = matchPackages([pkg("demo", "1.0", "PyPI")], undefined, db);
    expect(matches.map((match) => match.id)).toEqual(["PYSEC-2099-1", "PYSEC-2099-2"]);
    const [merged, alone] = matches as [VulnerabilityMatch, VulnerabilityMatch];
    expect(merged).toMatchObject({
      aliases: ["CVE-2099-2001", "GHSA-aaaa-bbbb-cccc"],
      advisories: ["PYSEC-2099-1", "GHSA-aaaa-bbbb-cccc", "CVE-2099-2001"],
      summary: "PyPA's summary",
      fixedVersion: "1.4",
      severity: "high",
      severitySource: "GHSA",
      cvss: { version: "3.1", score: 9.8 },
      kev: { cve: "CVE-2099-2001", dateAdded: "2099-02-01" },
      epss: { score: 0.5 },
      references: ["https://pypa.test/1", "https://shared.test/x", "https://github.test/a"],
    });
    expect(merged.unfixedState).toBeUndefined();
    expect(alone).toMatchObject({
      aliases: [],
      advisories: ["PYSEC-2099-2"],
      severity: "medium",
      severitySource: "unrated",
      unfixedState: "affected",
    });
    expect(alone.fixedVersion).toBeUndefined();
  });

  it("links through an advisory that does not affect the installed version, which gives the match nothing else", async () => {
    const db = await databaseOf(chain);
    const { matches } = matchPackages([pkg("demo", "1.4.5", "PyPI")], undefined, db);
    // GitHub's advisory is fixed in 1.4; the PyPA and CVE records still affect 1.4.5 and are the
    // same vulnerability by GitHub's aliases: one match, without GitHub's fix, rating or KEV date.
    expect(matches.map((match) => match.id)).toEqual(["PYSEC-2099-1", "PYSEC-2099-2"]);
    expect(matches[0]).toMatchObject({
      aliases: ["CVE-2099-2001", "GHSA-aaaa-bbbb-cccc"],
      advisories: ["PYSEC-2099-1", "CVE-2099-2001"],
      fixedVersion: "1.5",
      severity: "critical",
      severitySource: "CVSS 3.1",
      kev: { dateAdded: "2099-02-01" },
    });
  });

  it("names a finding by the ecosystem's own database, then GitHub's, then anything but a bare CVE", async () => {
    const db = await databaseOf([
      advisory("GO-2099-0001", [entry("Go", "example.com/mod", [{ introduced: "0" }, { fixed: "1.2.0" }])], {
        aliases: ["GHSA-gggg-gggg-gggg"],
      }),
      advisory("GHSA-gggg-gggg-gggg", [entry("Go", "example.com/mod", [{ introduced: "0" }, { fixed: "1.2.0" }])], {
        aliases: ["CVE-2099-3001"],
      }),
      advisory("CVE-2099-3002", [entry("npm", "left-pad", [{ introduced: "0" }, { fixed: "2.0.0" }])]),
      advisory("GHSA-nnnn-nnnn-nnnn", [entry("npm", "left-pad", [{ introduced: "0" }, { fixed: "2.0.0" }])], {
        aliases: ["CVE-2099-3002"],
      }),
      advisory("OSV-2099-1", [entry("npm", "left-pad", [{ introduced: "0" }, { fixed: "2.0.0" }])], { aliases: ["CVE-2099-3002"] }),
    ]);
    const { matches } = matchPackages([pkg("example.com/mod", "v1.1.0", "Go"), pkg("left-pad", "1.3.0", "npm")], undefined, db);
    expect(matches.map((match) => [match.id, match.aliases])).toEqual([
      ["GO-2099-0001", ["CVE-2099-3001", "GHSA-gggg-gggg-gggg"]],
      ["GHSA-nnnn-nnnn-nnnn", ["CVE-2099-3002", "OSV-2099-1"]],
    ]);
  });

  it("keeps one match per vulnerability when the same advisory answers for two names of one package", async () => {
    const db = await databaseOf([
      advisory("RHSA-2099:0001", [
        entry("Red Hat:enterprise_linux:9::baseos", "openssh", [{ introduced: "0" }, { fixed: "8.7p1-38.el9" }]),
        entry("Red Hat:enterprise_linux:9::baseos", "openssh-clients", [{ introduced: "0" }, { fixed: "8.7p1-38.el9" }]),
      ]),
    ]);
    const client: InventoryPackage = {
      ...pkg("openssh-clients", "8.7p1-34.el9", "Red Hat"),
      source: { name: "openssh", version: "8.7p1-34.el9" },
    };
    const { matches } = matchPackages([client], { family: "rhel", version: "9.4" }, db);
    expect(matches.map((match) => [match.id, match.advisories, match.fixedVersion])).toEqual([
      ["RHSA-2099:0001", ["RHSA-2099:0001"], "8.7p1-38.el9"],
    ]);
  });
});

describe("language ecosystems", () => {
  it("looks packages up by name as each ecosystem spells it, and orders versions by its scheme", async () => {
    // Modelled on real advisories (Log4Shell, Newtonsoft.Json, @babel/traverse), written here.
    const db = await databaseOf([
      advisory("GHSA-jfh8-c2jp-5v3q", [
        entry("Maven", "org.apache.logging.log4j:log4j-core", [{ introduced: "2.0-beta9" }, { fixed: "2.15.0" }]),
      ]),
      advisory("GHSA-5crp-9r3c-p9vr", [entry("NuGet", "Newtonsoft.Json", [{ introduced: "0" }, { fixed: "13.0.1" }])]),
      advisory("GHSA-67hx-6x53-jw92", [entry("npm", "@babel/traverse", [{ introduced: "0" }, { fixed: "7.23.2" }])]),
      advisory("RUSTSEC-2099-0001", [entry("crates.io", "smallvec", [{ introduced: "1.6.0" }, { fixed: "1.6.1" }])]),
      advisory("GHSA-2099-rrrr-gggg", [entry("RubyGems", "nokogiri", [{ introduced: "0" }, { fixed: "1.16.5" }])]),
      advisory("PYSEC-2099-8001", [entry("PyPI", "Zope.Interface", [{ introduced: "0" }, { fixed: "5.0" }])]),
    ]);
    const packages = [
      pkg("org.apache.logging.log4j:log4j-core", "2.14.1", "Maven"),
      pkg("org.apache.logging.log4j:log4j-core", "2.0-beta8", "Maven"),
      pkg("newtonsoft.json", "12.0.3", "NuGet"),
      pkg("@babel/traverse", "7.23.0", "npm"),
      pkg("smallvec", "1.6.0", "crates.io"),
      pkg("nokogiri", "1.16.5.rc1", "RubyGems"),
      pkg("zope-interface", "4.7.2", "PyPI"),
    ];
    const { matches, notes } = matchPackages(packages, undefined, db);
    expect(notes).toEqual([]);
    expect(matches.map((match) => [match.package.name, match.package.version, match.id, match.fixedVersion])).toEqual([
      ["org.apache.logging.log4j:log4j-core", "2.14.1", "GHSA-jfh8-c2jp-5v3q", "2.15.0"],
      ["newtonsoft.json", "12.0.3", "GHSA-5crp-9r3c-p9vr", "13.0.1"],
      ["@babel/traverse", "7.23.0", "GHSA-67hx-6x53-jw92", "7.23.2"],
      ["smallvec", "1.6.0", "RUSTSEC-2099-0001", "1.6.1"],
      // A RubyGems pre-release comes before its release.
      ["nokogiri", "1.16.5.rc1", "GHSA-2099-rrrr-gggg", "1.16.5"],
      ["zope-interface", "4.7.2", "PYSEC-2099-8001", "5.0"],
    ]);
  });
});

describe("rating a match", () => {
  async function ratingOf(item: Partial<Advisory>, packageRating?: VendorRating) {
    const affected = entry("Ubuntu:22.04:LTS", "tar", [{ introduced: "0" }], packageRating ? { vendorRating: packageRating } : {});
    const db = await databaseOf([advisory("UBUNTU-CVE-2099-4001", [affected], item)]);
    const [match] = matchPackages([pkg("tar", "1.34", "Ubuntu:22.04:LTS")], undefined, db).matches;
    return { severity: match?.severity, severitySource: match?.severitySource, cvss: match?.cvss?.version };
  }

  it("takes the package's vendor rating, then the advisory's, then CVSS, else medium marked unrated", async () => {
    const cvss = [scored(CRITICAL_31)];
    expect(await ratingOf({ cvss, vendorRating: rated("Ubuntu", "high") }, rated("Ubuntu", "negligible"))).toEqual({
      severity: "low",
      severitySource: "Ubuntu",
      cvss: "3.1",
    });
    expect(await ratingOf({ cvss, vendorRating: rated("Ubuntu", "high") })).toEqual({
      severity: "high",
      severitySource: "Ubuntu",
      cvss: "3.1",
    });
    expect(await ratingOf({ cvss })).toEqual({ severity: "critical", severitySource: "CVSS 3.1", cvss: "3.1" });
    expect(await ratingOf({})).toEqual({ severity: "medium", severitySource: "unrated", cvss: undefined });
  });

  it("shows and rates by the newest CVSS version first, then the highest base score", async () => {
    const cvss = [
      scored("AV:N/AC:L/Au:N/C:C/I:C/A:C"),
      scored("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"),
      scored("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N"),
      scored("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N"),
      scored("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
    ];
    const v4 = cvss[3] as CvssRating;
    expect(cvss.map((rating) => rating.version)).toEqual(["2.0", "3.1", "3.1", "4.0", "3.0"]);
    const db = await databaseOf([advisory("UBUNTU-CVE-2099-4002", [entry("Ubuntu:22.04:LTS", "tar", [{ introduced: "0" }])], { cvss })]);
    const [match] = matchPackages([pkg("tar", "1.34", "Ubuntu:22.04:LTS")], undefined, db).matches;
    expect(match?.cvss).toEqual(v4);
    expect(match?.severitySource).toBe("CVSS 4.0");
    expect(match?.severity).toBe(v4.score >= 4 ? "medium" : "low");
  });

  it("says why a distribution leaves a match unfixed", async () => {
    const db = await databaseOf([
      advisory("DEBIAN-CVE-2099-5001", [entry("Debian:12", "zlib", [{ introduced: "0" }], { unfixedState: "fix-deferred" })]),
      advisory("DEBIAN-CVE-2099-5002", [entry("Debian:12", "zlib", [{ introduced: "0" }])]),
    ]);
    const zlib: InventoryPackage = {
      ...pkg("zlib1g", "1:1.2.13.dfsg-1", "Debian:12"),
      source: { name: "zlib", version: "1:1.2.13.dfsg-1" },
    };
    const { matches } = matchPackages([zlib], undefined, db);
    expect(matches.map((match) => [match.id, match.unfixedState])).toEqual([
      ["DEBIAN-CVE-2099-5001", "fix-deferred"],
      ["DEBIAN-CVE-2099-5002", "affected"],
    ]);
  });
});

describe("hostile and odd input", () => {
  it("counts versions its ecosystem cannot read, compares them anyway, and says so once", async () => {
    const db = await databaseOf([
      advisory("PYSEC-2099-6001", [entry("PyPI", "legacy", [{ introduced: "0" }, { fixed: "1.0" }])]),
      advisory("DEBIAN-CVE-2099-6002", [entry("Debian:12", "odd", [{ introduced: "0" }, { fixed: "1.0-1" }])]),
    ]);
    const packages = [
      pkg("legacy", "2004d", "PyPI"),
      pkg("legacy", "0.9-ivysaur", "PyPI"),
      { ...pkg("odd", "x1.0", "Debian:12"), source: { name: "odd", version: "x1.0" } },
      pkg("legacy", "0.9", "PyPI"),
    ];
    const { matches, notes } = matchPackages(packages, undefined, db);
    // PEP 440 orders legacy strings before every version: below the fix. dpkg sorts a leading
    // letter after any digit, so `x1.0` is above 1.0-1.
    expect(matches.map((match) => match.package.version)).toEqual(["2004d", "0.9-ivysaur", "0.9"]);
    expect(notes).toEqual([
      '3 package versions did not follow their ecosystem\'s version syntax (first: PyPI legacy "2004d"); compared anyway, the results for them may be wrong',
    ]);
  });

  it("matches 2,000 packages against a package with 2,000 advisories and a megabyte-long version quickly", async () => {
    const many = Array.from({ length: 2000 }, (_, n) =>
      advisory(`GHSA-2099-${7000 + n}`, [entry("npm", "busy", [{ introduced: `${n}.0.0` }, { fixed: `${n}.5.0` }])]),
    );
    const db = await databaseOf(many);
    const packages = Array.from({ length: 2000 }, (_, n) => pkg("busy", `${n}.1.0`, "npm"));
    packages.push(pkg("busy", `1${"0".repeat(1024 * 1024)}`, "npm"));
    const started = performance.now();
    const { matches, notes } = matchPackages(packages, undefined, db);
    const ms = performance.now() - started;
    console.log(`2,001 versions of one package × its 2,000 advisories: ${matches.length} matches in ${ms.toFixed(0)} ms`);
    // Each n.1.0 is inside exactly [n.0.0, n.5.0); the megabyte version is not compared at all.
    expect(matches.map((match) => match.id)).toEqual(Array.from({ length: 2000 }, (_, n) => `GHSA-2099-${7000 + n}`));
    expect(notes).toEqual(["1 package version longer than any real version (first: npm busy, 1048577 characters) was not checked"]);
    expect(ms).toBeLessThan(10_000);
  });
});
