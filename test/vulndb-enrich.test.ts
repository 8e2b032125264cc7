import { readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { beforeAll, describe, expect, it } from "vitest";
import { cveIdsOf, enrichAdvisory, type KevCatalog, readEpssScores, readKevCatalog } from "../core/src/vulndb/enrich/index.js";
import type { Advisory, EpssScore } from "../core/src/vulndb/types.js";
import { userErrorOf } from "./support/errors.js";
import { tempTree } from "./support/files.js";
import { realPartAvailable } from "./support/real-parts.js";

const VULNDATA = resolve("../shared/vulndata");
const KEV = join(VULNDATA, "kev/known_exploited_vulnerabilities.json");
const KEV_SCHEMA = join(VULNDATA, "kev/known_exploited_vulnerabilities_schema.json");
const OSV_SAMPLES = join(VULNDATA, "osv-samples");
const EPSS_FIXTURES = join(import.meta.dirname, "fixtures/epss");
const EPSS_CSV = join(EPSS_FIXTURES, "epss_scores-2025-03-15.csv");
const SHARED_HINT = "check out ../shared beside the repository";

const kevHere = realPartAvailable("the shared CISA KEV catalog", KEV, SHARED_HINT, "read");
const osvHere = realPartAvailable("the shared OSV samples", join(OSV_SAMPLES, "DLA-3623-1.json"), SHARED_HINT, "read");

interface RawCatalog {
  catalogVersion: string;
  dateReleased: string;
  count: number;
  vulnerabilities: Record<string, unknown>[];
}
const rawCatalog = (): RawCatalog => JSON.parse(readFileSync(KEV, "utf8"));

describe.skipIf(!kevHere)("the CISA KEV catalog", () => {
  let catalog: KevCatalog;
  beforeAll(async () => {
    const started = performance.now();
    catalog = await readKevCatalog(KEV);
    console.log(`KEV: ${catalog.entries.size} entries read in ${(performance.now() - started).toFixed(0)} ms`);
  });

  it("holds as many entries as the catalog's count, with its version and release time", () => {
    const raw = rawCatalog();
    expect(catalog.entries.size).toBe(raw.count);
    expect(catalog.catalogVersion).toBe(raw.catalogVersion);
    expect(catalog.dateReleased).toBe(raw.dateReleased);
  });

  it("keys every listed CVE with its dates, as the file has them", () => {
    for (const vulnerability of rawCatalog().vulnerabilities) {
      const entry = catalog.entries.get(vulnerability.cveID as string);
      expect(entry?.dateAdded).toBe(vulnerability.dateAdded);
      expect(entry?.dueDate).toBe(vulnerability.dueDate);
    }
  });

  it("has Log4Shell as CISA lists it (read by hand from the file)", () => {
    expect(catalog.entries.get("CVE-2021-44228")).toEqual({
      cve: "CVE-2021-44228",
      dateAdded: "2021-12-10",
      dueDate: "2021-12-24",
      knownRansomwareCampaignUse: "Known",
    });
  });
});

describe.skipIf(!kevHere)("KEV validation agrees with CISA's published schema", () => {
  let official: ValidateFunction;
  beforeAll(() => {
    // The shipped schema itself, with real format checks; `strict: false` for its `url` annotation.
    const ajv = new Ajv({ strict: false });
    addFormats.default(ajv);
    official = ajv.compile(JSON.parse(readFileSync(KEV_SCHEMA, "utf8")));
  });

  it("the real catalog passes the shipped schema itself", () => {
    expect(official(rawCatalog())).toBe(true);
  });

  const first = (catalog: RawCatalog) => catalog.vulnerabilities[0] as Record<string, unknown>;
  const mutations: [string, (catalog: RawCatalog) => void][] = [
    ["unchanged", () => {}],
    ["an extra top-level title (the real file has one)", (catalog) => Object.assign(catalog, { title: "x" })],
    ["no catalogVersion", (catalog) => Reflect.deleteProperty(catalog, "catalogVersion")],
    ["a numeric count as text", (catalog) => Object.assign(catalog, { count: "1404" })],
    ["a fractional count", (catalog) => Object.assign(catalog, { count: 1.5 })],
    ["vulnerabilities as an object", (catalog) => Object.assign(catalog, { vulnerabilities: {} })],
    ["a dateReleased without time", (catalog) => Object.assign(catalog, { dateReleased: "2025-08-25" })],
    ["an entry without dateAdded", (catalog) => Reflect.deleteProperty(first(catalog), "dateAdded")],
    ["an entry without requiredAction", (catalog) => Reflect.deleteProperty(first(catalog), "requiredAction")],
    ["an entry without the optional notes", (catalog) => Reflect.deleteProperty(first(catalog), "notes")],
    ["a null notes", (catalog) => Object.assign(first(catalog), { notes: null })],
    ["a numeric knownRansomwareCampaignUse", (catalog) => Object.assign(first(catalog), { knownRansomwareCampaignUse: 1 })],
    ["a lower-case CVE id", (catalog) => Object.assign(first(catalog), { cveID: "cve-2025-48384" })],
    ["a three-digit CVE number", (catalog) => Object.assign(first(catalog), { cveID: "CVE-2025-123" })],
    ["a US-style dueDate", (catalog) => Object.assign(first(catalog), { dueDate: "09/15/2025" })],
    ["a CWE without its prefix", (catalog) => Object.assign(first(catalog), { cwes: ["59"] })],
    ["a numeric vendorProject", (catalog) => Object.assign(first(catalog), { vendorProject: 7 })],
  ];
  for (const [what, mutate] of mutations) {
    it(`judges a catalog with ${what} as the schema does`, async () => {
      const catalog = rawCatalog();
      mutate(catalog);
      const path = join(tempTree(), "kev.json");
      writeFileSync(path, JSON.stringify(catalog));
      const valid = official(catalog);
      if (valid) await expect(readKevCatalog(path)).resolves.toBeDefined();
      else expect(await userErrorOf(() => readKevCatalog(path))).toMatch(/is not in CISA's catalog format/);
    });
  }
});

describe("hostile KEV files", () => {
  it("refuses a truncated download, naming the file", async () => {
    if (!kevHere) return;
    const path = join(tempTree(), "kev.json");
    writeFileSync(path, readFileSync(KEV).subarray(0, 5000));
    const message = await userErrorOf(() => readKevCatalog(path));
    expect(message).toContain(path);
    expect(message).toMatch(/not valid JSON .*truncated/);
  });

  it("says where the shape is wrong", async () => {
    const root = tempTree({
      "array.json": "[]",
      "entry.json": JSON.stringify({
        catalogVersion: "1",
        dateReleased: "2025-08-25T17:04:19.9796Z",
        count: 1,
        vulnerabilities: [{ cveID: "CVE-2021-44228" }],
      }),
    });
    expect(await userErrorOf(() => readKevCatalog(join(root, "array.json")))).toMatch(/the top level must be object/);
    expect(await userErrorOf(() => readKevCatalog(join(root, "entry.json")))).toMatch(/\/vulnerabilities\/0 must have required property/);
  });

  it("refuses a missing file and one far over the size limit without reading it", async () => {
    const root = tempTree();
    expect(await userErrorOf(() => readKevCatalog(join(root, "absent.json")))).toMatch(/cannot be read \(ENOENT\)/);
    const huge = join(root, "huge.json");
    writeFileSync(huge, "");
    truncateSync(huge, 65 * 1024 * 1024); // sparse: no disk used
    expect(await userErrorOf(() => readKevCatalog(huge))).toMatch(/is 65\.0 MiB, over the 64 MiB limit/);
  });
});

describe("FIRST EPSS scores", () => {
  it("reads the fixture: its date and model, each good row, the bad ones counted", async () => {
    const epss = await readEpssScores(EPSS_CSV);
    expect(epss.date).toBe("2025-03-15");
    expect(epss.modelVersion).toBe("v2025.03.14");
    expect(epss.scores.size).toBe(16);
    // Bad CVE id, score 1.7, missing column, negative percentile, repeated CVE, words, empty score.
    expect(epss.malformedRows).toBe(7);
    expect(epss.firstMalformedLine).toBe(19);
    expect(epss.scores.get("CVE-2021-44228")).toEqual({ cve: "CVE-2021-44228", score: 0.94358, percentile: 0.99961, date: "2025-03-15" });
    expect(epss.scores.get("CVE-2025-0001")?.score).toBe(0.000043);
    expect(epss.scores.get("CVE-2025-0003")).toMatchObject({ score: 1, percentile: 1 });
  });

  it("reads the gzip file as the plain one", async () => {
    expect(await readEpssScores(`${EPSS_CSV}.gz`)).toEqual(await readEpssScores(EPSS_CSV));
  });

  it("takes the date from FIRST's file name when the comment line is absent", async () => {
    const path = join(
      tempTree({ "epss_scores-2024-01-02.csv": "cve,epss,percentile\nCVE-2021-44228,0.9,0.99\n" }),
      "epss_scores-2024-01-02.csv",
    );
    const epss = await readEpssScores(path);
    expect(epss.date).toBe("2024-01-02");
    expect(epss.modelVersion).toBeUndefined();
    expect(epss.scores.get("CVE-2021-44228")?.date).toBe("2024-01-02");
  });

  it("refuses a file without the header, an empty one and a missing one", async () => {
    const noHeader = await userErrorOf(() => readEpssScores(join(EPSS_FIXTURES, "epss-no-header.csv")));
    expect(noHeader).toContain('has no "cve,epss,percentile" header: line 1 is "CVE-2021-44228,0.94358,0.99961"');
    const root = tempTree({ "empty.csv": "", "comment-only.csv": "#model_version:v2025.03.14,score_date:2025-03-15T00:00:00+0000\n" });
    expect(await userErrorOf(() => readEpssScores(join(root, "empty.csv")))).toMatch(/header: it is empty/);
    expect(await userErrorOf(() => readEpssScores(join(root, "comment-only.csv")))).toMatch(/header: it is empty/);
    expect(await userErrorOf(() => readEpssScores(join(root, "absent.csv.gz")))).toMatch(/cannot be read \(ENOENT\)/);
  });

  it("refuses a truncated gzip download", async () => {
    const gzip = readFileSync(`${EPSS_CSV}.gz`);
    const path = join(tempTree({ "cut.csv.gz": gzip.subarray(0, gzip.length - 30) }), "cut.csv.gz");
    expect(await userErrorOf(() => readEpssScores(path))).toMatch(/cannot be read: .*truncated/);
  });

  it("stops gzip bombs: at the size limit, and at the first overlong line", async () => {
    const lines = gzipSync(`cve,epss,percentile\n${`${"9".repeat(999)}\n`.repeat(70_000)}`); // 70 MB of CSV, 70 kB gzipped
    const oneLine = gzipSync(`cve,epss,percentile\n${"9".repeat(70_000_000)}`);
    const root = tempTree({ "lines.csv.gz": lines, "one-line.csv.gz": oneLine });
    const started = performance.now();
    expect(await userErrorOf(() => readEpssScores(join(root, "lines.csv.gz")))).toMatch(/holds more than 64 MiB of CSV/);
    expect(await userErrorOf(() => readEpssScores(join(root, "one-line.csv.gz")))).toMatch(/has a line longer than 64 KiB/);
    expect(performance.now() - started).toBeLessThan(30_000); // both stop early: at 64 MiB, and at 64 KiB
  });

  it("streams a full-size day (300,000 rows, gzipped)", async () => {
    const lines = ["#model_version:v2025.03.14,score_date:2025-03-15T00:00:00+0000", "cve,epss,percentile"];
    for (let index = 0; index < 300_000; index += 1)
      lines.push(`CVE-${2000 + (index % 25)}-${10000 + index},${(index % 1000) / 1000},${(index % 997) / 997}`);
    const path = join(tempTree({ "epss_scores-2025-03-15.csv.gz": gzipSync(lines.join("\n")) }), "epss_scores-2025-03-15.csv.gz");
    const started = performance.now();
    const epss = await readEpssScores(path);
    console.log(`EPSS: ${epss.scores.size} rows streamed in ${(performance.now() - started).toFixed(0)} ms`);
    expect(epss.scores.size).toBe(300_000);
    expect(epss.malformedRows).toBe(0);
    expect(epss.scores.get("CVE-2001-10001")).toEqual({ cve: "CVE-2001-10001", score: 0.001, percentile: 1 / 997, date: "2025-03-15" });
  });
});

/** An OSV record put into the Advisory shape by hand, as the OSV reader will (upstream joins related). */
function advisoryFromOsv(file: string): Advisory {
  const record = JSON.parse(readFileSync(join(OSV_SAMPLES, file), "utf8"));
  return {
    id: record.id,
    aliases: record.aliases ?? [],
    related: [...(record.upstream ?? []), ...(record.related ?? [])],
    summary: record.summary,
    published: record.published,
    modified: record.modified,
    cvss: [],
    references: [],
    affected: [],
    source: "osv",
  };
}

describe.skipIf(!kevHere || !osvHere)("enrichAdvisory joins KEV and EPSS through CVE ids", () => {
  let kev: KevCatalog;
  let epss: Map<string, EpssScore>;
  beforeAll(async () => {
    kev = await readKevCatalog(KEV);
    epss = (await readEpssScores(EPSS_CSV)).scores;
  });

  it("by the id: the real Log4Shell OSV record gets its KEV entry and score", () => {
    const advisory = advisoryFromOsv("CVE-2021-44228.json");
    const enriched = enrichAdvisory(advisory, kev.entries, epss);
    expect(enriched.kev?.dateAdded).toBe("2021-12-10");
    expect(enriched.kev).toBe(kev.entries.get("CVE-2021-44228"));
    expect(enriched.epss?.score).toBe(0.94358);
    expect(enriched).toMatchObject({ id: "CVE-2021-44228", summary: "Log4Shell demo entry" });
  });

  it("by an alias, whatever its case", () => {
    const ghsa: Advisory = { ...advisoryFromOsv("CVE-2021-44228.json"), id: "GHSA-jfh8-c2jp-5v3q", aliases: ["cve-2021-44228"] };
    const enriched = enrichAdvisory(ghsa, kev.entries, epss);
    expect(enriched.kev?.cve).toBe("CVE-2021-44228");
    expect(enriched.epss?.cve).toBe("CVE-2021-44228");
  });

  it("by related: a DLA's highest EPSS score, and the earliest-added KEV entry", () => {
    const dla = advisoryFromOsv("DLA-3623-1.json");
    expect(dla.related).toHaveLength(44);
    const plain = enrichAdvisory(dla, kev.entries, epss);
    // None of the DLA's 44 CVEs is in KEV; two are in the EPSS fixture (0.00043 and 0.00112).
    expect(dla.related.some((cve) => kev.entries.has(cve))).toBe(false);
    expect(plain.kev).toBeUndefined();
    expect(plain.epss).toMatchObject({ cve: "CVE-2023-1206", score: 0.00112 });

    // HTTP/2 Rapid Reset was added 2023-10-10, Log4Shell 2021-12-10: the earlier wins though named later.
    const widened = { ...dla, related: [...dla.related, "CVE-2023-44487", "CVE-2021-44228"] };
    const enriched = enrichAdvisory(widened, kev.entries, epss);
    expect(enriched.kev).toMatchObject({ cve: "CVE-2021-44228", dateAdded: "2021-12-10" });
    expect(enriched.epss).toMatchObject({ cve: "CVE-2021-44228", score: 0.94358 });
  });

  it("is pure, and replaces what an older catalog said", () => {
    const advisory = advisoryFromOsv("DLA-3623-1.json");
    const stale: Advisory = { ...advisory, kev: { cve: "CVE-2022-39189", dateAdded: "2020-01-01" } };
    const before = structuredClone(stale);
    const enriched = enrichAdvisory(stale, kev.entries, epss);
    expect(stale).toEqual(before);
    expect("kev" in enriched).toBe(false);
    expect(enrichAdvisory(advisory, new Map(), new Map())).toEqual(advisory);
  });

  it("reads CVE ids only, each once, in the order id, aliases, related", () => {
    const advisory: Advisory = {
      ...advisoryFromOsv("CVE-2021-44228.json"),
      id: "USN-1-1",
      aliases: ["GHSA-xxxx-yyyy-zzzz", "cve-2021-44228"],
      related: ["CVE-2021-44228", "CVE-2023-44487", "DSA-1-1", "CVE-21-1"],
    };
    expect(cveIdsOf(advisory)).toEqual(["CVE-2021-44228", "CVE-2023-44487"]);
  });
});
