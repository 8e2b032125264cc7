import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { normaliseOsvRecord, readOsvRecords } from "../core/src/vulndb/osv/index.js";
import { type Advisory, emptyIngestStats, type IngestStats } from "../core/src/vulndb/types.js";
import { userErrorOf } from "./support/errors.js";
import { tempTree } from "./support/files.js";
import { realPartAvailable } from "./support/real-parts.js";

const VULNDATA = resolve("../shared/vulndata");
const GO_DIR = join(VULNDATA, "go/osv");
const PYPA_DIR = join(VULNDATA, "pypa/vulns");
const SAMPLES_DIR = join(VULNDATA, "osv-samples");
const FIXTURES = resolve("test/fixtures/osv");
const MIB = 1024 * 1024;

const zipHere = realPartAvailable("zip", "/usr/bin/zip", "apt-get install -y zip");

interface Ingested {
  advisories: Advisory[];
  stats: IngestStats;
  seconds: number;
}

async function ingest(paths: string[]): Promise<Ingested> {
  const stats = emptyIngestStats();
  const advisories: Advisory[] = [];
  const started = performance.now();
  for await (const advisory of readOsvRecords(paths, stats)) advisories.push(advisory);
  return { advisories, stats, seconds: (performance.now() - started) / 1000 };
}

function logCounts(what: string, { stats, seconds }: Ingested): void {
  const rate = Math.round(stats.read / seconds);
  console.log(
    `${what}: read ${stats.read}, kept ${stats.kept}, invalid ${stats.invalid}, withdrawn ${stats.withdrawn}, ` +
      `no affected package ${stats.noAffected}, GIT ranges dropped ${stats.gitRanges} — ${seconds.toFixed(2)} s, ${rate} records/s`,
  );
}

function byId(advisories: Advisory[]): Map<string, Advisory> {
  return new Map(advisories.map((advisory) => [advisory.id, advisory]));
}

const indexes = new WeakMap<Ingested, Map<string, Advisory>>();

function advisory(ingested: Ingested, id: string): Advisory {
  const index = indexes.get(ingested) ?? byId(ingested.advisories);
  indexes.set(ingested, index);
  const found = index.get(id);
  if (!found) throw new Error(`${id} was not kept`);
  return found;
}

/** The fields of a raw OSV record the tests compare against, read without the code under test. */
interface RawRecord {
  id: string;
  withdrawn?: string;
  upstream?: string[];
  related?: string[];
  severity?: Array<{ type: string; score: string }>;
  references?: Array<{ type: string; url: string }>;
  affected: RawAffected[];
}

interface RawAffected {
  package?: { ecosystem: string; name: string };
  ranges?: Array<{ type: string; events: Array<Record<string, string>> }>;
  versions?: string[];
}

function rawJson(path: string): RawRecord {
  return JSON.parse(readFileSync(path, "utf8"));
}

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function filesIn(directory: string, extension: string): string[] {
  return readdirSync(directory, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(extension))
    .map((name) => join(directory, name));
}

describe("real Go records (golang/vulndb)", () => {
  let go: Ingested;
  const raw = filesIn(GO_DIR, ".json").map(rawJson);
  beforeAll(async () => {
    go = await ingest([GO_DIR]);
  });

  it("ingests every record: none invalid, withdrawn ones dropped and counted", () => {
    logCounts("Go", go);
    expect(raw).toHaveLength(4291);
    expect(go.stats.read).toBe(4291);
    expect(go.stats.invalid).toBe(0);
    expect(go.stats.invalidExamples).toEqual([]);
    const withdrawn = raw.filter((record) => record.withdrawn !== undefined).map((record) => record.id);
    expect(go.stats.withdrawn).toBe(withdrawn.length);
    expect(withdrawn.length).toBeGreaterThan(0);
    expect(go.stats.unknownEcosystems).toEqual({});
    expect(go.stats.noAffected).toBe(0);
    expect(go.stats.kept).toBe(4291 - withdrawn.length);
    expect(go.advisories).toHaveLength(go.stats.kept);
    const kept = byId(go.advisories);
    expect(kept.size).toBe(go.advisories.length);
    for (const id of withdrawn) expect(kept.has(id)).toBe(false);
  });

  it("keeps the stdlib and toolchain ranges event for event, in order", () => {
    const stdlib = advisory(go, "GO-2023-1987");
    expect(stdlib.summary).toBe("Large RSA keys can cause high CPU usage in crypto/tls");
    expect(stdlib.affected).toEqual([
      {
        ecosystem: "Go",
        name: "stdlib",
        ranges: [
          {
            type: "SEMVER",
            events: [
              { introduced: "0" },
              { fixed: "1.19.12" },
              { introduced: "1.20.0-0" },
              { fixed: "1.20.7" },
              { introduced: "1.21.0-0" },
              { fixed: "1.21.0-rc.4" },
            ],
          },
        ],
        versions: [],
      },
    ]);
    expect(advisory(go, "GO-2021-0068").affected[0]?.name).toBe("toolchain");
    for (const record of raw.filter((each) => each.withdrawn === undefined)) {
      const kept = advisory(go, record.id);
      const rawRanges = record.affected.map((entry) => entry.ranges ?? []);
      expect(kept.affected.map((entry) => entry.ranges)).toEqual(rawRanges);
    }
  });

  it("maps ids, aliases, related ids, dates and references", () => {
    const first = advisory(go, "GO-2020-0001");
    expect(first).toMatchObject({
      aliases: ["CVE-2020-36567", "GHSA-6vm3-jj99-7229"],
      related: [],
      published: "2021-04-14T20:04:52Z",
      modified: "0001-01-01T00:00:00Z",
      cvss: [],
      source: "osv",
      references: [
        "https://github.com/gin-gonic/gin/pull/2237",
        "https://github.com/gin-gonic/gin/commit/a71af9c144f9579f6dbe945341c1df37aaf09c0d",
      ],
    });
    for (const record of raw.filter((each) => each.withdrawn === undefined)) {
      const kept = advisory(go, record.id);
      expect(kept.related).toEqual(record.related ?? []);
      const references: Array<{ type: string; url: string }> = record.references ?? [];
      expect(kept.references.length).toBe(Math.min(5, new Set(references.map((reference) => reference.url)).size));
      if (references.some((reference) => reference.type === "ADVISORY")) {
        expect(references.find((reference) => reference.url === kept.references[0])?.type).toBe("ADVISORY");
      }
    }
    // GO-2022-0278 starts with its two ADVISORY references, then five others: the first five are kept.
    const raw0278 = raw.find((record) => record.id === "GO-2022-0278");
    expect(raw0278?.references?.map((reference) => reference.type)).toEqual(["ADVISORY", "ADVISORY", "FIX", "REPORT", "WEB", "WEB", "WEB"]);
    expect(advisory(go, "GO-2022-0278").references).toEqual(raw0278?.references?.slice(0, 5).map((reference) => reference.url));
  });

  it("marks a package unfixed exactly when none of its ranges has a fixed event", () => {
    let unfixed = 0;
    for (const record of raw.filter((each) => each.withdrawn === undefined)) {
      const kept = advisory(go, record.id);
      record.affected.forEach((entry, index) => {
        const fixed = (entry.ranges ?? []).some((range) => range.events.some((event) => "fixed" in event));
        expect(kept.affected[index]?.unfixedState).toBe(fixed ? undefined : "affected");
        if (!fixed) unfixed++;
      });
    }
    expect(unfixed).toBeGreaterThan(100);
  });
});

/** GIT ranges must name full commit hashes (the OSV schema's "GIT ranges must use full-length commit hashes"). */
const COMMIT = /^(0|[a-f0-9]{40}|[a-f0-9]{64})$/;

function hasShortCommit(record: RawRecord): boolean {
  return (record.affected ?? []).some((entry) =>
    (entry.ranges ?? [])
      .filter((range) => range.type === "GIT")
      .some((range) => range.events.some((event) => Object.values(event).some((value) => !COMMIT.test(String(value))))),
  );
}

describe("real PyPI records (pypa/advisory-database, YAML)", () => {
  let pypa: Ingested;
  beforeAll(async () => {
    pypa = await ingest([PYPA_DIR]);
  });
  const files = filesIn(PYPA_DIR, ".yaml");
  const raw = new Map(files.map((file) => [file, parseYaml(readFileSync(file, "utf8")) as RawRecord]));

  it("ingests every record: GIT ranges, even with malformed commits, are dropped before validation", () => {
    logCounts("PyPA", pypa);
    expect(files).toHaveLength(2661);
    expect(pypa.stats.read).toBe(2661);
    // Seven records give a GIT fixed event that is no full commit hash (`195caac….patch`, `cb35df940a`,
    // a hash with a trailing dot); the schema would reject them whole, losing their PyPI ranges.
    const badCommits = files.filter((file) => hasShortCommit(raw.get(file) as RawRecord));
    expect(badCommits).toHaveLength(7);
    for (const file of badCommits) expect(pypa.advisories.some((kept) => kept.id === (raw.get(file) as RawRecord).id)).toBe(true);
    expect(pypa.stats.invalid).toBe(0);
    const records = [...raw.values()];
    const withdrawn = records.filter((record) => record.withdrawn !== undefined);
    expect(pypa.stats.withdrawn).toBe(withdrawn.length);
    expect(pypa.stats.noAffected).toBe(0);
    expect(pypa.stats.kept).toBe(2661 - withdrawn.length);
    const gitRanges = records
      .filter((record) => record.withdrawn === undefined)
      .flatMap((record) => record.affected.flatMap((entry) => entry.ranges ?? []))
      .filter((range) => range.type === "GIT");
    expect(pypa.stats.gitRanges).toBe(gitRanges.length);
  });

  it("keeps each record's explicit versions list whole, as strings, and drops its GIT ranges", () => {
    for (const record of raw.values()) {
      if (record.withdrawn !== undefined) continue;
      const kept = advisory(pypa, record.id);
      expect(kept.affected.map((entry) => entry.versions.length)).toEqual(record.affected.map((entry) => entry.versions?.length ?? 0));
      for (const version of kept.affected.flatMap((entry) => entry.versions)) expect(typeof version).toBe("string");
      for (const range of kept.affected.flatMap((entry) => entry.ranges)) expect(range.type).toBe("ECOSYSTEM");
    }
    const aiohttp = advisory(pypa, "PYSEC-2021-76");
    const rawAiohttp = raw.get(join(PYPA_DIR, "aiohttp/PYSEC-2021-76.yaml")) as RawRecord;
    expect(aiohttp.affected[0]?.versions).toEqual(rawAiohttp.affected[0]?.versions);
    expect(aiohttp.affected[0]?.versions.length).toBeGreaterThan(200);
    expect(aiohttp.affected[0]?.ranges).toEqual([{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "3.7.4" }] }]);
    expect(aiohttp.summary).toBe("aiohttp is an asynchronous HTTP client/server framework for asyncio and Python.");
    expect(aiohttp.references).toEqual([
      "https://github.com/aio-libs/aiohttp/security/advisories/GHSA-v6wp-4m6f-gcjg",
      "https://www.debian.org/security/2021/dsa-4864",
      "https://github.com/aio-libs/aiohttp/commit/2545222a3853e31ace15d87ae0e2effb7da0c96b",
      "https://github.com/aio-libs/aiohttp/blob/master/CHANGES.rst#374-2021-02-25",
      "https://pypi.org/project/aiohttp/",
    ]);
  });

  it("scores every CVSS vector the records give", () => {
    expect(pypa.stats.unscoredCvss).toBe(0);
    let vectors = 0;
    for (const record of raw.values()) {
      if (record.withdrawn !== undefined || hasShortCommit(record) || !record.severity) continue;
      const kept = advisory(pypa, record.id);
      expect(kept.cvss.map((rating) => rating.vector)).toEqual(record.severity.map((severity) => severity.score));
      vectors += record.severity.length;
    }
    expect(vectors).toBeGreaterThan(150);
    // FIRST's v3.1 example score for this vector (CVE-2014-6271) is 9.8.
    expect(advisory(pypa, "PYSEC-2024-11").cvss).toEqual([
      { version: "3.1", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 9.8 },
    ]);
  });
});

describe("real OSV samples (osv.dev test data)", () => {
  const sample = (name: string) => rawJson(join(SAMPLES_DIR, name));

  it("counts each sample as kept or skipped with its reason", async () => {
    const expected: Record<string, keyof IngestStats> = {
      "CVE-2021-44228.json": "noAffected",
      "DLA-3623-1.json": "noAffected",
      "SUSE-SU-2023_3313-1.json": "noAffected",
      "UBUNTU-CVE-2023-4004.json": "noAffected",
      "USN-6332-1.json": "noAffected",
      "USN-7234-1.json": "noAffected",
      "MULTI-ECO-FIX-DEMO.json": "invalid",
    };
    expect(
      readdirSync(SAMPLES_DIR)
        .filter((name) => name.endsWith(".json"))
        .sort(),
    ).toEqual(Object.keys(expected).sort());
    for (const [name, counter] of Object.entries(expected)) {
      const stats = emptyIngestStats();
      expect(normaliseOsvRecord(sample(name), name, stats)).toBeUndefined();
      expect(stats[counter]).toBe(1);
      expect(stats.kept + stats.invalid + stats.noAffected + stats.withdrawn).toBe(1);
    }
    const stats = emptyIngestStats();
    normaliseOsvRecord(sample("MULTI-ECO-FIX-DEMO.json"), "MULTI-ECO-FIX-DEMO.json", stats);
    expect(stats.invalidExamples).toEqual(['MULTI-ECO-FIX-DEMO.json: /id "MULTI-ECO-FIX-DEMO" has a form the OSV schema does not allow']);

    const all = await ingest([SAMPLES_DIR]);
    expect(all.stats).toMatchObject({ read: 7, kept: 0, invalid: 1, noAffected: 6, withdrawn: 0 });
  });

  it("takes a distro advisory's upstream ids as related ids once it names a package", () => {
    const dla = sample("DLA-3623-1.json");
    dla.affected = [
      {
        package: { ecosystem: "Debian:10", name: "linux" },
        ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "4.19.296-1" }] }],
      },
    ];
    const kept = normaliseOsvRecord(dla, "DLA-3623-1.json", emptyIngestStats());
    expect(kept?.related).toEqual(dla.upstream);
    expect(kept?.related).toHaveLength(44);
    expect(kept).toMatchObject({
      id: "DLA-3623-1",
      aliases: [],
      published: "2023-08-14T00:00:00Z",
      modified: "2025-10-13T15:48:05.749899Z",
    });
    expect(kept?.affected[0]?.unfixedState).toBeUndefined();
  });

  it("marks only the package without a fix as unfixed (the multi-ecosystem demo, given a valid id)", () => {
    const demo = { ...sample("MULTI-ECO-FIX-DEMO.json"), id: "OSV-2025-1" };
    const kept = normaliseOsvRecord(demo, "demo", emptyIngestStats());
    expect(kept?.summary).toBe("Demo vuln with fix only in PyPI ecosystem");
    expect(kept?.affected.map((entry) => [entry.ecosystem, entry.unfixedState])).toEqual([
      ["PyPI", undefined],
      ["npm", "affected"],
    ]);
  });
});

describe("vendor ratings and unfixed states", () => {
  let rated: Ingested;
  beforeAll(async () => {
    rated = await ingest([join(FIXTURES, "ratings")]);
  });
  const packages = (id: string) =>
    advisory(rated, id).affected.map(({ ecosystem, vendorRating, unfixedState }) => ({ ecosystem, vendorRating, unfixedState }));

  it("keeps all four records", () => {
    expect(rated.stats).toMatchObject({ read: 4, kept: 4, invalid: 0, unscoredCvss: 1 });
  });

  it("reads Debian's urgency per package: unimportant and end-of-life will not be fixed", () => {
    const debian = advisory(rated, "DEBIAN-CVE-2019-1010022");
    expect(debian.vendorRating).toBeUndefined();
    expect(debian.related).toEqual(["CVE-2019-1010022"]);
    expect(debian.summary).toBe("GNU Libc current is affected by: Mitigation bypass.");
    expect(debian.cvss).toEqual([{ version: "3.0", vector: "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 9.8 }]);
    expect(packages("DEBIAN-CVE-2019-1010022")).toEqual([
      { ecosystem: "Debian:12", vendorRating: { source: "Debian", label: "unimportant", severity: "info" }, unfixedState: "will-not-fix" },
      { ecosystem: "Debian:10", vendorRating: undefined, unfixedState: "will-not-fix" },
      { ecosystem: "Debian:13", vendorRating: { source: "Debian", label: "low**", severity: "low" }, unfixedState: undefined },
      { ecosystem: "Debian:11", vendorRating: undefined, unfixedState: "affected" },
    ]);
  });

  it("reads Ubuntu's priority from the record's severity list and from the older per-package field", () => {
    const coreutils = advisory(rated, "UBUNTU-CVE-2016-2781");
    expect(coreutils.vendorRating).toEqual({ source: "Ubuntu", label: "negligible", severity: "low" });
    // NVD scores CVE-2016-2781 6.5 with this v3.0 vector.
    expect(coreutils.cvss).toEqual([{ version: "3.0", vector: "CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:C/C:N/I:H/A:N", score: 6.5 }]);
    expect(coreutils.related).toEqual(["CVE-2016-2781"]);
    expect(packages("UBUNTU-CVE-2016-2781")).toEqual([
      { ecosystem: "Ubuntu:22.04:LTS", vendorRating: undefined, unfixedState: "will-not-fix" },
    ]);
    expect(advisory(rated, "UBUNTU-CVE-2009-3560").related).toEqual(["CVE-2009-3560", "USN-890-1"]);
    expect(packages("UBUNTU-CVE-2009-3560")).toEqual([
      { ecosystem: "Ubuntu:20.04:LTS", vendorRating: { source: "Ubuntu", label: "medium", severity: "medium" }, unfixedState: "affected" },
      { ecosystem: "Ubuntu:22.04:LTS", vendorRating: { source: "Ubuntu", label: "negligible", severity: "low" }, unfixedState: undefined },
    ]);
  });

  it("reads GitHub's severity, scores each vector once and drops one that cannot be scored", () => {
    const ghsa = advisory(rated, "GHSA-29mw-wpgm-hmr9");
    expect(ghsa.vendorRating).toEqual({ source: "GHSA", label: "MODERATE", severity: "medium" });
    expect(ghsa.aliases).toEqual(["CVE-2020-28500"]);
    expect(ghsa.summary).toBe("Regular Expression Denial of Service (ReDoS) in lodash");
    expect(ghsa.cvss.map(({ version, vector }) => [version, vector])).toEqual([
      ["3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L"],
      ["4.0", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:L/SC:N/SI:N/SA:N"],
    ]);
    expect(ghsa.cvss[0]?.score).toBe(5.3);
    expect(ghsa.references).toEqual([
      "https://nvd.nist.gov/vuln/detail/CVE-2020-28500",
      "https://github.com/advisories/GHSA-29mw-wpgm-hmr9",
      "https://github.com/lodash/lodash/pull/5065",
      "https://github.com/lodash/lodash",
      "https://github.com/lodash/lodash/blob/npm/trimEnd.js%23L8",
    ]);
    expect(packages("GHSA-29mw-wpgm-hmr9").every((entry) => entry.vendorRating === undefined && entry.unfixedState === undefined)).toBe(
      true,
    );
  });
});

describe("hostile records in a directory", () => {
  let hostile: Ingested;
  beforeAll(async () => {
    hostile = await ingest([join(FIXTURES, "hostile")]);
  });

  it("counts each one with its reason and keeps going", () => {
    expect(hostile.stats).toMatchObject({
      read: 7,
      kept: 2,
      invalid: 3,
      withdrawn: 1,
      noAffected: 1,
      unknownEcosystems: { Hackage: 3, Android: 1 },
    });
    const examples = hostile.stats.invalidExamples.map((example) => example.slice(example.lastIndexOf("/") + 1));
    expect(examples).toEqual([
      "alias-bomb.yaml: not valid YAML: Excessive alias count indicates a resource exhaustion attack",
      expect.stringMatching(/^invalid-json\.json: not valid JSON: /),
      "no-modified.json: the record must have required property 'modified'",
    ]);
  });

  it("keeps the package of a known ecosystem and drops the others", () => {
    expect(advisory(hostile, "GO-2099-0004").affected.map((entry) => `${entry.ecosystem}/${entry.name}`)).toEqual(["Go/example.com/m"]);
  });

  it("reads YAML versions written without quotes as the strings they are", () => {
    const unquoted = advisory(hostile, "PYSEC-2099-1");
    expect(unquoted.affected[0]?.versions).toEqual(["1.0", "1.10", "1.9"]);
    expect(unquoted.affected[0]?.ranges[0]?.events).toEqual([{ introduced: "0" }, { fixed: "1.20" }]);
    expect(unquoted.summary).toBe("Versions written without quotes.");
  });

  it("counts a file too big to be a record without reading it, skips hidden directories, reads one record file", async () => {
    const root = tempTree({
      "a/GO-2099-0001.json": readFileSync(join(FIXTURES, "hostile/withdrawn.json")),
      ".git/objects/broken.json": "{",
      "notes.txt": "not a record",
    });
    writeFileSync(join(root, "a/huge.json"), "");
    truncateSync(join(root, "a/huge.json"), 17 * MIB);
    const { stats } = await ingest([root]);
    expect(stats).toMatchObject({ read: 2, withdrawn: 1, invalid: 1 });
    expect(stats.invalidExamples).toEqual([`${join(root, "a/huge.json")}: 17.0 MiB, over the 16 MiB limit for one record`]);
    const single = await ingest([join(FIXTURES, "ratings/GHSA-29mw-wpgm-hmr9.json")]);
    expect(single.advisories.map((each) => each.id)).toEqual(["GHSA-29mw-wpgm-hmr9"]);
  });
});

describe("paths", () => {
  it("refuses a missing path, naming it, before reading any record", async () => {
    const missing = join(tempTree(), "no-such-export.zip");
    let yielded = 0;
    const message = await userErrorOf(async () => {
      for await (const _ of readOsvRecords([GO_DIR, missing], emptyIngestStats())) yielded++;
    });
    expect(message).toBe(`OSV source ${missing} does not exist.`);
    expect(yielded).toBe(0);
  });

  it("refuses a file that is neither a directory, a zip nor a record", async () => {
    const notes = join(tempTree({ "notes.txt": "hello" }), "notes.txt");
    expect(await userErrorOf(() => ingest([notes]))).toBe(
      `OSV source ${notes} is neither a directory, a .zip archive nor a .json/.yaml record.`,
    );
  });
});

/** Offsets of the central directory records of a zip without an archive comment. */
function centralRecords(zip: Buffer): number[] {
  const end = zip.length - 22;
  expect(zip.readUInt32LE(end)).toBe(0x06054b50);
  const offsets: number[] = [];
  let at = zip.readUInt32LE(end + 16);
  for (let index = 0; index < zip.readUInt16LE(end + 10); index++) {
    offsets.push(at);
    at += 46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return offsets;
}

/** The zip with its only entry listed `copies` times in the central directory, every copy naming the same data. */
function withRepeatedEntry(zip: Buffer, copies: number): Buffer {
  const end = zip.length - 22;
  const directoryOffset = zip.readUInt32LE(end + 16);
  const directory = zip.subarray(directoryOffset, end);
  const eocd = Buffer.from(zip.subarray(end));
  eocd.writeUInt16LE(copies, 8);
  eocd.writeUInt16LE(copies, 10);
  eocd.writeUInt32LE(directory.length * copies, 12);
  return Buffer.concat([zip.subarray(0, directoryOffset), ...Array.from({ length: copies }, () => directory), eocd]);
}

describe.runIf(zipHere)("OSV export zips", () => {
  const work = tempTree();
  const goZip = join(work, "all.zip");
  beforeAll(() => {
    execFileSync("zip", ["-q", "-r", goZip, "."], { cwd: GO_DIR });
  });

  function zipOf(name: string, files: Record<string, string | Buffer>): string {
    const directory = join(work, `${name}.d`);
    mkdirSync(directory);
    for (const [file, content] of Object.entries(files)) writeFileSync(join(directory, file), content);
    const archive = join(work, `${name}.zip`);
    execFileSync("zip", ["-q", "-r", archive, "."], { cwd: directory });
    return archive;
  }

  it("gives the same advisories as the directory it was zipped from", async () => {
    const fromZip = await ingest([goZip]);
    const fromDirectory = await ingest([GO_DIR]);
    logCounts("Go all.zip", fromZip);
    const { invalidExamples: _zip, ...zipCounts } = fromZip.stats;
    const { invalidExamples: _directory, ...directoryCounts } = fromDirectory.stats;
    expect(zipCounts).toEqual(directoryCounts);
    expect(byId(fromZip.advisories)).toEqual(byId(fromDirectory.advisories));
  });

  it("counts an entry that is not JSON and skips entries that are not records", async () => {
    const archive = zipOf("mixed", {
      "GO-2020-0001.json": readFileSync(join(GO_DIR, "GO-2020-0001.json")),
      "broken.json": "{",
      "README.txt": "not a record",
    });
    const { stats, advisories } = await ingest([archive]);
    expect(stats).toMatchObject({ read: 2, kept: 1, invalid: 1 });
    expect(stats.invalidExamples[0]).toMatch(new RegExp(`^${escaped(archive)}!/broken\\.json: not valid JSON: `));
    expect(advisories.map((each) => each.id)).toEqual(["GO-2020-0001"]);
  });

  it("refuses a truncated zip, naming it, when the reader reaches it", async () => {
    const truncated = join(work, "truncated.zip");
    const whole = readFileSync(goZip);
    writeFileSync(truncated, whole.subarray(0, whole.length / 2));
    let yielded = 0;
    const message = await userErrorOf(async () => {
      for await (const _ of readOsvRecords([join(FIXTURES, "ratings"), truncated], emptyIngestStats())) yielded++;
    });
    expect(yielded).toBe(4);
    expect(message).toMatch(
      new RegExp(`^OSV archive ${escaped(truncated)} is not a readable zip file \\(.*(central directory|truncated).*\\)\\.$`),
    );
  });

  it("refuses a zip whose data is damaged, naming the entry", async () => {
    const damaged = join(work, "damaged.zip");
    const bytes = Buffer.from(readFileSync(goZip));
    bytes.fill(0x55, 1_000_000, 1_000_400);
    writeFileSync(damaged, bytes);
    let yielded = 0;
    const message = await userErrorOf(async () => {
      for await (const _ of readOsvRecords([damaged], emptyIngestStats())) yielded++;
    });
    expect(yielded).toBeGreaterThan(100);
    expect(message).toMatch(new RegExp(`^OSV archive (entry )?${escaped(damaged)}`));
  });

  it("refuses a text file named .zip", async () => {
    const text = join(work, "text.zip");
    writeFileSync(text, "this is not a zip archive\n");
    expect(await userErrorOf(() => ingest([text]))).toMatch(new RegExp(`^OSV archive ${escaped(text)} is not a readable zip file \\(`));
  });

  it("refuses a zip bomb (200 MB of zeros in one entry) at once, without inflating it", async () => {
    const zeros = join(work, "bomb.d/zeros.json");
    mkdirSync(join(work, "bomb.d"));
    writeFileSync(zeros, "");
    truncateSync(zeros, 200_000_000);
    const bomb = join(work, "bomb.zip");
    execFileSync("zip", ["-q", "-j", bomb, zeros]);
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const message = await userErrorOf(() => ingest([bomb]));
    const seconds = (performance.now() - started) / 1000;
    const grewMiB = (process.memoryUsage().rss - rssBefore) / MIB;
    console.log(
      `zip bomb (${readFileSync(bomb).length} bytes zipped) refused in ${seconds.toFixed(3)} s, RSS grew ${grewMiB.toFixed(1)} MiB`,
    );
    expect(message).toBe(
      `OSV archive entry ${bomb}!/zeros.json declares 200000000 bytes uncompressed (${centralCompressedSize(bomb)} compressed), ` +
        "over the 16 MiB limit for one record: refused as a zip bomb.",
    );
    expect(seconds).toBeLessThan(2);
    expect(grewMiB).toBeLessThan(64);
  });

  it("refuses an entry that declares a huge size", async () => {
    const archive = zipOf("huge-declared", { "GO-2020-0001.json": readFileSync(join(GO_DIR, "GO-2020-0001.json")) });
    const bytes = readFileSync(archive);
    bytes.writeUInt32LE(0xfffffff0, (centralRecords(bytes)[0] as number) + 24);
    writeFileSync(archive, bytes);
    expect(await userErrorOf(() => ingest([archive]))).toMatch(
      /GO-2020-0001\.json declares 4294967280 bytes uncompressed .* refused as a zip bomb\.$/,
    );
  });

  it("refuses an entry that inflates past the size it declares", async () => {
    const archive = zipOf("lying", { "lying.json": Buffer.alloc(MIB, 0x20) });
    const bytes = readFileSync(archive);
    bytes.writeUInt32LE(100, (centralRecords(bytes)[0] as number) + 24);
    writeFileSync(archive, bytes);
    expect(await userErrorOf(() => ingest([archive]))).toBe(
      `OSV archive entry ${archive}!/lying.json inflates past the 100 bytes its directory entry declares: refused as a zip bomb.`,
    );
  });

  it("refuses entries that all name one compressed stream once they pass the archive's budget", async () => {
    const single = readFileSync(zipOf("overlap", { "spaces.json": Buffer.alloc(8 * MIB, 0x20) }));
    const overlapping = join(work, "overlapping.zip");
    writeFileSync(overlapping, withRepeatedEntry(single, 40));
    const stats = emptyIngestStats();
    const message = await userErrorOf(async () => {
      for await (const _ of readOsvRecords([overlapping], stats));
    });
    expect(message).toMatch(
      /spaces\.json declares 8388608 bytes uncompressed .* past 200 times its own size inflated: refused as a zip bomb\.$/,
    );
    // 256 MiB (the least budget an archive gets) is 32 such entries.
    expect(stats.read).toBe(32);
  });
});

function centralCompressedSize(archive: string): number {
  const bytes = readFileSync(archive);
  return bytes.readUInt32LE((centralRecords(bytes)[0] as number) + 20);
}
