import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { buildDatabase } from "../core/src/vulndb/db/build.js";
import { type DatabaseMetadata, openDatabase, packageKey, verifyDatabase, writeDatabase } from "../core/src/vulndb/db/index.js";
import { readOsvRecords } from "../core/src/vulndb/osv/index.js";
import { type Advisory, type AffectedPackage, emptyIngestStats } from "../core/src/vulndb/types.js";
import { userErrorOf } from "./support/errors.js";
import { tempTree } from "./support/files.js";
import { realPartAvailable } from "./support/real-parts.js";

const VULNDATA = "../shared/vulndata";
const GO = `${VULNDATA}/go/osv`;
const PYPA = `${VULNDATA}/pypa/vulns`;
const KEV = `${VULNDATA}/kev/known_exploited_vulnerabilities.json`;
const OVAL = `${VULNDATA}/azurelinux/azurelinux-3.0-oval.xml`;
/** Made-up scores for real CVE ids (test/fixtures/epss/README.md). */
const EPSS = "test/fixtures/epss/epss_scores-2025-03-15.csv.gz";
const vulndataHere = realPartAvailable("the shared vulnerability data", KEV, "check out ../shared beside the repository", "read");
const NOW = new Date("2026-03-01T12:00:00Z");

function affected(ecosystem: string, name: string, fixed = "2.0"): AffectedPackage {
  return { ecosystem, name, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed }] }], versions: [] };
}

function advisory(id: string, packages: AffectedPackage[], extra: Partial<Advisory> = {}): Advisory {
  return {
    id,
    aliases: [`CVE-2024-${id.replace(/\D/g, "").padStart(4, "0")}`],
    related: [],
    summary: `summary of ${id}`,
    modified: "2024-05-01T00:00:00Z",
    cvss: [{ version: "3.1", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 9.8 }],
    references: [`https://example.test/${id}`],
    affected: packages,
    source: "osv",
    ...extra,
  };
}

async function* streamOf(advisories: Advisory[]): AsyncGenerator<Advisory> {
  yield* advisories;
}

/** The advisory as a lookup of `ecosystem`/`key` must return it: only that package's entries. */
function asStoredFor(item: Advisory, ecosystem: string, name: string): Advisory {
  const key = packageKey(ecosystem, name);
  return {
    ...item,
    affected: item.affected.filter((entry) => entry.ecosystem === ecosystem && packageKey(entry.ecosystem, entry.name) === key),
  };
}

function sha256Hex(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function filesOf(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((name) => [name, sha256Hex(readFileSync(join(dir, name)))]));
}

/** A copy of a database directory, to damage. */
function copyOf(dir: string): string {
  const copy = join(tempTree(), "db");
  mkdirSync(copy);
  for (const name of readdirSync(dir)) writeFileSync(join(copy, name), readFileSync(join(dir, name)));
  return copy;
}

function metadataOf(dir: string): DatabaseMetadata {
  return JSON.parse(readFileSync(join(dir, "metadata.json"), "utf8")) as DatabaseMetadata;
}

describe("packageKey", () => {
  it("normalises PyPI names as PEP 503 does: lower case, each run of -, _ and . one -", () => {
    expect(packageKey("PyPI", "URLLib3")).toBe("urllib3");
    expect(packageKey("PyPI", "zope.interface")).toBe("zope-interface");
    expect(packageKey("PyPI", "Foo__Bar.-_baz")).toBe("foo-bar-baz");
    expect(packageKey("PyPI", "ruamel.yaml.clib")).toBe("ruamel-yaml-clib");
  });

  it("lower-cases NuGet ids and keeps everything else as OSV spells it", () => {
    expect(packageKey("NuGet", "Newtonsoft.Json")).toBe("newtonsoft.json");
    expect(packageKey("Go", "github.com/Masterminds/semver")).toBe("github.com/Masterminds/semver");
    expect(packageKey("npm", "JSONStream")).toBe("JSONStream");
    expect(packageKey("Maven", "org.apache.logging.log4j:log4j-core")).toBe("org.apache.logging.log4j:log4j-core");
    expect(packageKey("Debian:12", "Python3.11")).toBe("Python3.11");
    expect(packageKey("Ubuntu:22.04:LTS", "linux-aws_5.15")).toBe("linux-aws_5.15");
  });

  it("is idempotent, and PyPI spellings that differ only in case and separators share a key (fast-check)", () => {
    const word = fc.stringMatching(/^[A-Za-z0-9]{1,6}$/);
    const separator = fc.stringMatching(/^[-_.]{1,3}$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(word, separator, separator), { minLength: 1, maxLength: 4 }), (parts) => {
        const first = parts.map(([text, sep]) => `${text}${sep}`).join("");
        const second = parts.map(([text, , sep]) => `${text.toUpperCase()}${sep}`).join("");
        expect(packageKey("PyPI", first)).toBe(packageKey("PyPI", second));
        expect(packageKey("PyPI", packageKey("PyPI", first))).toBe(packageKey("PyPI", first));
      }),
    );
  });
});

describe("writing and reading a database", () => {
  const openssl = advisory("DSA-0001", [
    affected("Debian:12", "openssl", "3.0.11-1~deb12u1"),
    affected("Debian:11", "openssl", "1.1.1w-0+deb11u1"),
  ]);
  const curl = advisory("DSA-0002", [
    affected("Debian:12", "curl"),
    affected("Debian:12", "curl", "7.88.1-10+deb12u5"),
    affected("Debian:12", "openssl"),
  ]);
  const requests = advisory("PYSEC-0003", [affected("PyPI", "Requests")]);
  const requestsAgain = advisory("PYSEC-0004", [affected("PyPI", "requests")], { kev: { cve: "CVE-2024-0004", dateAdded: "2024-06-01" } });
  const input = [openssl, curl, requests, requestsAgain];
  let dir: string;
  let metadata: DatabaseMetadata;
  beforeAll(async () => {
    dir = join(tempTree(), "db");
    metadata = await writeDatabase(streamOf(input), { out: dir, now: NOW });
  });

  it("answers each package with exactly its advisories, each holding only that package's entries", async () => {
    const db = await openDatabase(dir);
    expect(db.advisoriesFor("Debian:12", "openssl")).toEqual([
      asStoredFor(openssl, "Debian:12", "openssl"),
      asStoredFor(curl, "Debian:12", "openssl"),
    ]);
    expect(db.advisoriesFor("Debian:11", "openssl")).toEqual([asStoredFor(openssl, "Debian:11", "openssl")]);
    expect(db.advisoriesFor("Debian:12", "curl")).toEqual([asStoredFor(curl, "Debian:12", "curl")]);
    expect(db.advisoriesFor("Debian:12", "curl")[0]?.affected).toHaveLength(2);
    expect(db.advisoriesFor("PyPI", "REQUESTS").map((item) => item.id)).toEqual(["PYSEC-0003", "PYSEC-0004"]);
    expect(db.advisoriesFor("PyPI", "requests")[1]?.kev).toEqual({ cve: "CVE-2024-0004", dateAdded: "2024-06-01" });
    db.close();
  });

  it("answers [] for a package or ecosystem it does not hold, and matches ecosystems exactly", async () => {
    const db = await openDatabase(dir);
    expect(db.advisoriesFor("Debian:12", "nginx")).toEqual([]);
    expect(db.advisoriesFor("Debian:10", "openssl")).toEqual([]);
    expect(db.advisoriesFor("Debian", "openssl")).toEqual([]);
    expect(db.advisoriesFor("pypi", "requests")).toEqual([]);
    expect(db.advisoriesFor("Debian:12", "OpenSSL")).toEqual([]);
    expect(db.ecosystems()).toEqual(["Debian:11", "Debian:12", "PyPI"]);
    db.close();
  });

  it("counts what it stored in metadata.json", () => {
    expect(metadata).toEqual(metadataOf(dir));
    expect(metadata.schemaVersion).toBe(1);
    expect(metadata.builtAt).toBe(NOW.toISOString());
    expect(metadata.totals).toEqual({ advisories: 4, packages: 4, duplicates: 0 });
    expect(metadata.ecosystems["Debian:12"]).toMatchObject({ advisories: 2, packages: 2 });
    expect(metadata.ecosystems["Debian:11"]).toMatchObject({ advisories: 1, packages: 1 });
    expect(metadata.ecosystems.PyPI).toMatchObject({ advisories: 2, packages: 1 });
    for (const name of ["dictionary.bin", "index.tsv", "packages.bin"]) {
      const bytes = readFileSync(join(dir, name));
      expect(metadata.files[name]).toEqual({ size: bytes.length, sha256: sha256Hex(bytes) });
    }
  });

  it("keeps the newest of an advisory read twice, and counts the duplicate", async () => {
    const out = join(tempTree(), "db");
    const older = advisory("GHSA-0005", [affected("npm", "left-pad", "1.0.0")], { modified: "2024-01-01T00:00:00Z", summary: "old" });
    const newer = { ...older, modified: "2024-02-01T00:00:00.000Z", summary: "new" };
    const written = await writeDatabase(streamOf([newer, older]), { out, now: NOW });
    expect(written.totals).toEqual({ advisories: 1, packages: 1, duplicates: 1 });
    const db = await openDatabase(out);
    expect(db.advisoriesFor("npm", "left-pad").map((item) => item.summary)).toEqual(["new"]);
    db.close();
  });

  it("stores hostile names as plain keys: __proto__, tabs, newlines, quotes, non-ASCII", async () => {
    const names = ["__proto__", "constructor", "tab\tname", "new\nline", 'quote"d', "ünïcødé-名前", "back\\slash"];
    const items = names.map((name, position) => advisory(`X-${position}`, [affected("npm", name)]));
    const out = join(tempTree(), "db");
    await writeDatabase(streamOf([...items, advisory("X-eco", [affected("__proto__", "pkg")])]), { out, now: NOW });
    const db = await openDatabase(out);
    names.forEach((name, position) => {
      expect(db.advisoriesFor("npm", name).map((item) => item.id)).toEqual([`X-${position}`]);
    });
    expect(db.advisoriesFor("__proto__", "pkg").map((item) => item.id)).toEqual(["X-eco"]);
    expect(db.ecosystems()).toEqual(["__proto__", "npm"]);
    expect(db.advisoriesFor("npm", "toString")).toEqual([]);
    db.close();
  });

  it("finds every package among arbitrary names, whatever their characters (fast-check)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.string({ unit: "binary", minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 40 }),
        async (names) => {
          const out = join(tempTree(), "db");
          await writeDatabase(streamOf(names.map((name, position) => advisory(`R-${position}`, [affected("npm", name)]))), {
            out,
            now: NOW,
          });
          const db = await openDatabase(out);
          names.forEach((name, position) => {
            expect(db.advisoriesFor("npm", name).map((item) => [item.id, item.affected[0]?.name])).toEqual([[`R-${position}`, name]]);
          });
          expect(db.advisoriesFor("npm", `${names[0]}${"\u0000".repeat(12)}`)).toEqual([]); // longer than any name given
          db.close();
        },
      ),
      { numRuns: 25 },
    );
  });

  it("spreads thousands of packages over every spill bucket and reads each back; a rebuild gives the same bytes", async () => {
    const items = Array.from({ length: 3000 }, (_, n) => advisory(`GO-${n}`, [affected("Go", `example.com/module${n % 1500}`)]));
    const first = join(tempTree(), "db");
    const second = join(tempTree(), "db");
    const written = await writeDatabase(streamOf(items), { out: first, now: NOW });
    await writeDatabase(streamOf(items), { out: second, now: NOW });
    expect(written.totals).toEqual({ advisories: 3000, packages: 1500, duplicates: 0 });
    expect(filesOf(first)).toEqual(filesOf(second));
    const db = await openDatabase(first);
    for (let module = 0; module < 1500; module += 97)
      expect(db.advisoriesFor("Go", `example.com/module${module}`).map((item) => item.id)).toEqual(
        [`GO-${module}`, `GO-${module + 1500}`].sort(),
      );
    db.close();
    await expect(verifyDatabase(first)).resolves.toEqual(written);
  });

  it("writes an empty database from no advisories", async () => {
    const out = join(tempTree(), "db");
    const written = await writeDatabase(streamOf([]), { out, now: NOW });
    expect(written.totals).toEqual({ advisories: 0, packages: 0, duplicates: 0 });
    const db = await openDatabase(out);
    expect(db.ecosystems()).toEqual([]);
    expect(db.advisoriesFor("PyPI", "requests")).toEqual([]);
    db.close();
  });
});

describe("writing atomically", () => {
  async function* failingAfter(count: number): AsyncGenerator<Advisory> {
    for (let n = 0; n < count; n++) yield advisory(`F-${n}`, [affected("npm", `package-${n}`)]);
    throw new Error("the feed broke off");
  }

  it("leaves neither the output nor a temporary directory when the advisories fail midway", async () => {
    const parent = tempTree();
    await expect(writeDatabase(failingAfter(500), { out: join(parent, "db"), now: NOW })).rejects.toThrow("the feed broke off");
    expect(readdirSync(parent)).toEqual([]);
  });

  it("leaves an existing database as it was when a rebuild fails, and replaces it when one succeeds", async () => {
    const parent = tempTree();
    const out = join(parent, "db");
    await writeDatabase(streamOf([advisory("A-1", [affected("npm", "a")])]), { out, now: NOW });
    const before = filesOf(out);
    await expect(writeDatabase(failingAfter(3), { out, now: NOW })).rejects.toThrow();
    expect(filesOf(out)).toEqual(before);
    expect(readdirSync(parent)).toEqual(["db"]);
    await writeDatabase(streamOf([advisory("B-1", [affected("npm", "b")])]), { out, now: NOW });
    const db = await openDatabase(out);
    expect([db.advisoriesFor("npm", "a"), db.advisoriesFor("npm", "b").map((item) => item.id)]).toEqual([[], ["B-1"]]);
    db.close();
    expect(readdirSync(parent)).toEqual(["db"]);
  });

  it("refuses to replace a directory that is not a database", async () => {
    const parent = tempTree({ "precious/notes.txt": "keep me" });
    const message = await userErrorOf(() => writeDatabase(streamOf([]), { out: join(parent, "precious"), now: NOW }));
    expect(message).toContain("exists and is not a vulnerability database");
    expect(readFileSync(join(parent, "precious/notes.txt"), "utf8")).toBe("keep me");
    expect(readdirSync(parent)).toEqual(["precious"]);
  });
});

describe("damaged databases", () => {
  let dir: string;
  beforeAll(async () => {
    dir = join(tempTree(), "db");
    const items = Array.from({ length: 50 }, (_, n) => advisory(`D-${n}`, [affected("Debian:12", `package${n}`)]));
    await writeDatabase(streamOf(items), { out: dir, now: NOW });
  });
  const REBUILD = "rebuild it (portcullis db build) or pull it again (portcullis db pull)";

  it("refuses a database of a newer schema, saying to upgrade", async () => {
    const copy = copyOf(dir);
    writeFileSync(join(copy, "metadata.json"), JSON.stringify({ ...metadataOf(copy), schemaVersion: 2 }));
    expect(await userErrorOf(() => openDatabase(copy))).toBe(
      `vulnerability database ${copy} was built by a newer portcullis (schema 2; this one reads 1): upgrade portcullis`,
    );
  });

  it("names a corrupt index", async () => {
    const copy = copyOf(dir);
    const index = readFileSync(join(copy, "index.tsv"));
    index.fill(0x7b, 0, 20);
    writeFileSync(join(copy, "index.tsv"), index);
    expect(await userErrorOf(() => openDatabase(copy))).toBe(
      `vulnerability database ${copy}: index.tsv does not match its checksum in metadata.json; ${REBUILD}`,
    );
  });

  it("names packages.bin when a byte of it changed: on the lookup that reads it, and on verification", async () => {
    const copy = copyOf(dir);
    const line = /^"package7"\t(\d+)\t(\d+)$/m.exec(readFileSync(join(copy, "index.tsv"), "utf8"));
    const [offset, length] = [Number(line?.[1]), Number(line?.[2])];
    const packages = readFileSync(join(copy, "packages.bin"));
    const middle = offset + Math.floor(length / 2);
    packages.writeUInt8(packages.readUInt8(middle) ^ 0x55, middle);
    writeFileSync(join(copy, "packages.bin"), packages);
    const db = await openDatabase(copy);
    expect(db.advisoriesFor("Debian:12", "package8").map((item) => item.id)).toEqual(["D-8"]);
    expect(() => db.advisoriesFor("Debian:12", "package7")).toThrow(
      `vulnerability database ${copy}: packages.bin has a damaged entry for Debian:12 package7`,
    );
    db.close();
    expect(await userErrorOf(() => verifyDatabase(copy))).toBe(
      `vulnerability database ${copy}: packages.bin does not match its checksum in metadata.json; ${REBUILD}`,
    );
  });

  it("names a truncated data file at open", async () => {
    const copy = copyOf(dir);
    const size = readFileSync(join(copy, "packages.bin")).length;
    truncateSync(join(copy, "packages.bin"), size - 100);
    expect(await userErrorOf(() => openDatabase(copy))).toBe(
      `vulnerability database ${copy}: packages.bin has ${size - 100} bytes, metadata.json says ${size}: it is truncated or damaged; ${REBUILD}`,
    );
  });

  /** A copy whose index line for package3 is `replacement`, with metadata.json's checksums made to match. */
  function withIndexLine(replacement: string): string {
    const copy = copyOf(dir);
    const index = readFileSync(join(copy, "index.tsv"), "utf8").replace(/^"package3"\t.*$/m, replacement);
    writeFileSync(join(copy, "index.tsv"), index);
    const metadata = metadataOf(copy);
    metadata.files["index.tsv"] = { size: Buffer.byteLength(index), sha256: sha256Hex(Buffer.from(index)) };
    const ecosystem = metadata.ecosystems["Debian:12"] as DatabaseMetadata["ecosystems"][string];
    ecosystem.index.length = Buffer.byteLength(index);
    writeFileSync(join(copy, "metadata.json"), JSON.stringify(metadata));
    return copy;
  }

  it("refuses an index line that points outside the data file or cannot be read, even with a matching checksum", async () => {
    const outside = await openDatabase(withIndexLine('"package3"\t99999999\t10'));
    expect(() => outside.advisoriesFor("Debian:12", "package3")).toThrow(
      "index.tsv gives Debian:12 package3 a location outside packages.bin",
    );
    expect(outside.advisoriesFor("Debian:12", "package4").map((item) => item.id)).toEqual(["D-4"]);
    outside.close();
    const malformed = await openDatabase(withIndexLine('"package3"\tseven\t-1'));
    expect(() => malformed.advisoriesFor("Debian:12", "package3")).toThrow(
      "index.tsv has a malformed line in the section of ecosystem Debian:12",
    );
    malformed.close();
  });

  it("names a missing file, unreadable metadata and a missing directory", async () => {
    const missing = copyOf(dir);
    rmSync(join(missing, "dictionary.bin"));
    expect(await userErrorOf(() => openDatabase(missing))).toBe(`vulnerability database ${missing}: dictionary.bin is missing; ${REBUILD}`);
    const garbled = copyOf(dir);
    writeFileSync(join(garbled, "metadata.json"), "{ not json");
    expect(await userErrorOf(() => openDatabase(garbled))).toContain(`vulnerability database ${garbled}: metadata.json is not valid JSON`);
    const huge = copyOf(dir);
    truncateSync(join(huge, "metadata.json"), 17 * 1024 * 1024);
    expect(await userErrorOf(() => openDatabase(huge))).toBe(
      `vulnerability database ${huge}: metadata.json is not a metadata file; ${REBUILD}`,
    );
    const nowhere = join(tempTree(), "nothing-here");
    expect(await userErrorOf(() => openDatabase(nowhere))).toBe(`vulnerability database ${nowhere} does not exist or is not a directory`);
  });
});

/**
 * The ids of records under `dir` (JSON or YAML files) that are not withdrawn, and whose
 * affected names pass `wanted`; only files whose text matches `mention` are parsed (YAML is slow).
 */
function recordIds(dir: string, mention: RegExp, wanted: (ecosystem: string, name: string) => boolean): string[] {
  const ids: string[] = [];
  const walk = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory() && !entry.name.startsWith(".")) walk(full);
      if (!entry.isFile() || !/\.(json|ya?ml)$/.test(entry.name)) continue;
      const text = readFileSync(full, "utf8");
      if (!mention.test(text)) continue;
      const record = (entry.name.endsWith(".json") ? JSON.parse(text) : parseYaml(text)) as {
        id: string;
        withdrawn?: string;
        affected?: { package?: { ecosystem: string; name: string } }[];
      };
      if (!record.withdrawn && (record.affected ?? []).some((item) => item.package && wanted(item.package.ecosystem, item.package.name)))
        ids.push(record.id);
    }
  };
  walk(dir);
  return ids.sort();
}

describe.skipIf(!vulndataHere)("a database built from the real Go, PyPA, Azure Linux and KEV feeds", () => {
  let parent: string;
  let out: string;
  let metadata: DatabaseMetadata;
  beforeAll(async () => {
    parent = tempTree();
    out = join(parent, "db");
    metadata = await buildDatabase({ osv: [GO, PYPA], oval: [OVAL], kev: KEV, epss: EPSS, out, now: NOW });
  }, 120_000);

  it("records every source with its timestamp and the reader's own counts", async () => {
    const [go, pypa, oval, kev, epss] = metadata.sources;
    for (const [summary, path] of [
      [go, GO],
      [pypa, PYPA],
    ] as const) {
      const stats = emptyIngestStats();
      let newest = "";
      for await (const item of readOsvRecords([path], stats))
        if (Date.parse(item.modified) > Date.parse(newest || "0000")) newest = item.modified;
      expect(summary).toEqual({ kind: "osv", path, timestamp: newest, stats });
      expect(stats.kept).toBeGreaterThan(1000);
    }
    expect(oval).toMatchObject({ kind: "oval", path: OVAL, timestamp: "2024-10-10T12:04:24.575063301Z" });
    const catalog = JSON.parse(readFileSync(KEV, "utf8")) as { dateReleased: string; catalogVersion: string; vulnerabilities: unknown[] };
    expect(kev).toMatchObject({
      kind: "kev",
      timestamp: catalog.dateReleased,
      catalogVersion: catalog.catalogVersion,
      entries: catalog.vulnerabilities.length,
    });
    expect(epss).toMatchObject({ kind: "epss", path: EPSS, timestamp: "2025-03-15", modelVersion: "v2025.03.14" });
    expect(metadata.sources).toHaveLength(5);
    const kept = [go, pypa, oval].reduce((sum, summary) => sum + (summary && "stats" in summary ? summary.stats.kept : 0), 0);
    expect(metadata.totals.advisories).toBe(kept);
    expect(metadata.ingestion.kept).toBe(kept);
    expect(metadata.ingestion.withdrawn).toBe(
      [go, pypa, oval].reduce((sum, summary) => sum + (summary && "stats" in summary ? summary.stats.withdrawn : 0), 0),
    );
  });

  it("finds exactly the PYSEC records of urllib3, however the name is spelled", async () => {
    const expected = recordIds(PYPA, /urllib3/i, (ecosystem, name) => ecosystem === "PyPI" && name.toLowerCase() === "urllib3");
    const files = readdirSync(join(PYPA, "urllib3")).map((file) => file.replace(/\.yaml$/, ""));
    expect(expected.every((id) => files.includes(id))).toBe(true);
    expect(expected.length).toBeGreaterThan(5);
    const db = await openDatabase(out);
    for (const spelling of ["urllib3", "URLLib3", "UrlLib3"])
      expect(db.advisoriesFor("PyPI", spelling).map((item) => item.id)).toEqual(expected);
    db.close();
  });

  it("finds the Go standard library's records under stdlib, with KEV entries and EPSS scores joined by CVE", async () => {
    const expected = recordIds(GO, /stdlib/, (ecosystem, name) => ecosystem === "Go" && name === "stdlib");
    const catalog = JSON.parse(readFileSync(KEV, "utf8")) as { vulnerabilities: { cveID: string }[] };
    const exploited = new Set(catalog.vulnerabilities.map((entry) => entry.cveID));
    const scored = new Set(
      readFileSync(EPSS.replace(/\.gz$/, ""), "utf8")
        .split("\n")
        .map((line) => line.split(",")[0]),
    );
    const db = await openDatabase(out);
    const found = db.advisoriesFor("Go", "stdlib");
    expect(found.map((item) => item.id)).toEqual(expected);
    expect(found.length).toBeGreaterThan(100);
    for (const item of found) {
      expect(item.affected.every((entry) => entry.ecosystem === "Go" && entry.name === "stdlib")).toBe(true);
      expect(item.kev !== undefined).toBe([item.id, ...item.aliases, ...item.related].some((id) => exploited.has(id)));
      expect(item.epss !== undefined).toBe([item.id, ...item.aliases, ...item.related].some((id) => scored.has(id)));
    }
    expect(found.filter((item) => item.kev).length).toBeGreaterThan(0);
    expect(found.find((item) => item.related.includes("CVE-2023-44487"))?.epss).toMatchObject({
      cve: "CVE-2023-44487",
      date: "2025-03-15",
    });
    expect(db.advisoriesFor("Azure Linux:3.0", "kernel").length).toBeGreaterThan(10);
    db.close();
  });

  it("builds atomically: a failing source leaves no output and no temporary directory", async () => {
    const failing = tempTree({ "broken/all.zip": readFileSync(KEV).subarray(0, 5000) });
    const target = join(failing, "db");
    await userErrorOf(() => buildDatabase({ osv: [GO, join(failing, "broken/all.zip")], kev: KEV, out: target, now: NOW }));
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(failing)).toEqual(["broken"]);
  });
});
