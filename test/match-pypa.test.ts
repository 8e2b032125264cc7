import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { isAffected } from "../core/src/match/index.js";
import { compareVersions } from "../core/src/versions/index.js";
import { readOsvRecords } from "../core/src/vulndb/osv/index.js";
import { type Advisory, type AffectedPackage, emptyIngestStats } from "../core/src/vulndb/types.js";
import { realPartAvailable } from "./support/real-parts.js";

const PYPA = "../shared/vulndata/pypa/vulns";
const pypaHere = realPartAvailable("the shared PyPA advisory database", PYPA, "check out ../shared beside the repository", "read");

/** A PyPA record as its YAML says, read here independently of the OSV reader. */
interface PypaRecord {
  id: string;
  withdrawn: boolean;
  name: string;
  versions: string[];
  fixed: string[];
}

interface RawRecord {
  id: string;
  withdrawn?: unknown;
  affected: { package: { name: string }; versions?: unknown[]; ranges?: { type: string; events: Record<string, unknown>[] }[] }[];
}

function readPypaRecords(): PypaRecord[] {
  const records: PypaRecord[] = [];
  for (const directory of readdirSync(PYPA, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
    for (const file of readdirSync(join(PYPA, directory.name)).filter((name) => /^PYSEC-.*\.yaml$/.test(name))) {
      const raw = parseYaml(readFileSync(join(PYPA, directory.name, file), "utf8")) as RawRecord;
      for (const entry of raw.affected) {
        const ecosystemRanges = (entry.ranges ?? []).filter((range) => range.type === "ECOSYSTEM");
        records.push({
          id: raw.id,
          withdrawn: raw.withdrawn !== undefined,
          name: pep503(entry.package.name),
          versions: (entry.versions ?? []).map(String),
          fixed: ecosystemRanges.flatMap((range) =>
            range.events.flatMap((event) => (event.fixed === undefined ? [] : [String(event.fixed)])),
          ),
        });
      }
    }
  }
  return records;
}

function pep503(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/**
 * Records whose `versions` list and ECOSYSTEM ranges genuinely disagree upstream (each one
 * checked by hand, and confirmed by evaluating the ranges with Python's `packaging`), by reason.
 * The test still requires each of them to disagree, so the list cannot go stale.
 */
const UPSTREAM_DISAGREEMENTS: Record<string, readonly string[]> = {
  // The list leaves out older releases inside the ranges that other records of the package
  // list: pre-releases and releases gone from PyPI (or yanked) when the list was made.
  "list leaves out older releases in range": [
    "PYSEC-2021-389",
    "PYSEC-2021-390",
    "PYSEC-2021-391",
    "PYSEC-2021-392",
    "PYSEC-2021-393",
    "PYSEC-2021-394",
    "PYSEC-2021-395",
    "PYSEC-2021-396",
    "PYSEC-2021-397",
    "PYSEC-2021-398",
    "PYSEC-2021-399",
    "PYSEC-2021-400",
    "PYSEC-2021-401",
    "PYSEC-2021-402",
    "PYSEC-2021-404",
    "PYSEC-2021-405",
    "PYSEC-2021-406",
    "PYSEC-2021-407",
    "PYSEC-2021-408",
    "PYSEC-2021-409",
    "PYSEC-2021-410",
    "PYSEC-2021-411",
    "PYSEC-2021-413",
    "PYSEC-2021-414",
    "PYSEC-2021-415",
    "PYSEC-2021-416",
    "PYSEC-2021-417",
    "PYSEC-2021-418",
    "PYSEC-2021-419",
    "PYSEC-2021-420",
    "PYSEC-2021-842",
    "PYSEC-2021-843",
    "PYSEC-2020-215",
    "PYSEC-2022-159",
    "PYSEC-2022-180",
    "PYSEC-2022-257",
    "PYSEC-2022-43063",
    "PYSEC-2024-16",
  ],
  // No fix (`introduced` only) and the list was made before the package's later releases.
  "unfixed, list older than later releases": ["PYSEC-2020-220", "PYSEC-2023-8", "PYSEC-2023-142", "PYSEC-2023-150"],
  // wagtail: one range holds overlapping segments (`introduced: 2.11 … fixed: 2.11.7` and
  // `introduced: 0 … fixed: 2.11.6`); read in version order, as OSV says, 2.11.6 is fixed.
  "overlapping segments in one range": ["PYSEC-2021-114"],
  // gevent: `fixed: 23.9.0`, yet 23.9.0 and 23.9.0.post1 are listed.
  "the fixed version is listed": ["PYSEC-2023-177"],
  // Django: `introduced: 3.2` and `4.2`, yet 3.2a1, 3.2b1, 3.2rc1, 4.2a1 … (before 3.2 in PEP 440) are listed.
  "pre-releases before `introduced` listed": ["PYSEC-2023-61"],
};

const EXCUSED = new Map(Object.entries(UPSTREAM_DISAGREEMENTS).flatMap(([reason, ids]) => ids.map((id) => [id, reason] as const)));

/**
 * Where `entry` disagrees with the record: a listed version its ranges leave out (without its
 * list, which would answer for itself), or a version it says is affected that the record does
 * not list. Unlisted versions are the package's versions other records list, and the record's
 * own fixed versions; a record without a list has only its fixed versions to check.
 */
function disagreements(
  record: PypaRecord,
  entry: AffectedPackage,
  released: ReadonlySet<string>,
  counts: { affected: number; unaffected: number },
): string[] {
  const found: string[] = [];
  const rangesOnly: AffectedPackage = { ...entry, versions: [] };
  const listed = new Set(record.versions);
  for (const version of listed) {
    counts.affected++;
    const verdict = isAffected(entry, "PyPI", version);
    if (!verdict.affected) found.push(`${record.id}: listed ${version} is not affected`);
    const fix = verdict.fixedVersion;
    if (fix !== undefined && (compareVersions("PyPI", fix, version) <= 0 || isAffected(entry, "PyPI", fix).affected))
      found.push(`${record.id}: the fix ${fix} given for ${version} is not a fix`);
    if (entry.ranges.length > 0 && !isAffected(rangesOnly, "PyPI", version).affected)
      found.push(`${record.id}: listed ${version} is outside its ranges`);
  }
  const unlisted = new Set([...(listed.size > 0 ? released : []), ...record.fixed]);
  for (const version of unlisted) {
    if (listed.has(version)) continue;
    counts.unaffected++;
    if (isAffected(entry, "PyPI", version).affected) found.push(`${record.id}: unlisted ${version} is affected`);
  }
  return found;
}

describe.skipIf(!pypaHere)("isAffected against the PyPA advisory database's own versions lists (the oracle)", () => {
  let records: PypaRecord[];
  let advisories: Map<string, Advisory>;
  beforeAll(async () => {
    records = readPypaRecords();
    advisories = new Map();
    for await (const advisory of readOsvRecords([PYPA], emptyIngestStats())) advisories.set(advisory.id, advisory);
  });

  it("says affected for every version a record lists, and not affected for every other released version", () => {
    const releasedByPackage = new Map<string, Set<string>>();
    for (const record of records) {
      const released = releasedByPackage.get(record.name) ?? new Set<string>();
      for (const version of record.versions) released.add(version);
      releasedByPackage.set(record.name, released);
    }
    const failures: string[] = [];
    const stillDisagreeing = new Set<string>();
    const counts = { affected: 0, unaffected: 0 };
    const live = records.filter((record) => !record.withdrawn);
    for (const record of live) {
      const entry = advisories.get(record.id)?.affected.find((affected) => pep503(affected.name) === record.name);
      if (!entry) {
        failures.push(`${record.id}: not ingested`);
        continue;
      }
      const found = disagreements(record, entry, releasedByPackage.get(record.name) ?? new Set(), counts);
      if (EXCUSED.has(record.id)) {
        if (found.length > 0) stillDisagreeing.add(record.id);
      } else failures.push(...found);
    }
    console.log(
      `PyPA oracle: ${records.length} records (${records.length - live.length} withdrawn), ${advisories.size} advisories ingested; ` +
        `${counts.affected} listed versions checked affected, ${counts.unaffected} other released or fixed versions checked not affected; ` +
        `${EXCUSED.size} records excused for upstream disagreements`,
    );
    expect(failures).toEqual([]);
    expect([...EXCUSED.keys()].filter((id) => !stillDisagreeing.has(id))).toEqual([]);
    expect(counts.affected).toBeGreaterThan(100_000);
  });

  it("ingests no withdrawn record", () => {
    const withdrawn = records.filter((record) => record.withdrawn);
    expect(withdrawn.length).toBeGreaterThan(0);
    expect(withdrawn.filter((record) => advisories.has(record.id))).toEqual([]);
  });
});
