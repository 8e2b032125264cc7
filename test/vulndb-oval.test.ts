import { copyFileSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type AzureLinuxOval, readAzureLinuxOval } from "../core/src/vulndb/oval/index.js";
import { type Advisory, emptyIngestStats, type IngestStats } from "../core/src/vulndb/types.js";
import { userErrorOf } from "./support/errors.js";
import { tempTree } from "./support/files.js";
import { realPartAvailable } from "./support/real-parts.js";

const FEED = resolve("../shared/vulndata/azurelinux/azurelinux-3.0-oval.xml");
const FIXTURES = join(import.meta.dirname, "fixtures/oval");
const feedHere = realPartAvailable("the shared Azure Linux 3.0 OVAL feed", FEED, "check out ../shared beside the repository", "read");

const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;
const fixedVersions = (advisory: Advisory | undefined, name: string) =>
  advisory?.affected
    .find((pkg) => pkg.name === name)
    ?.ranges.flatMap((range) => range.events.flatMap((event) => ("fixed" in event ? [event.fixed] : [])));

describe.skipIf(!feedHere)("Microsoft's Azure Linux 3.0 OVAL feed", () => {
  let text: string;
  let feed: AzureLinuxOval;
  let stats: IngestStats;
  let byId: Map<string, Advisory>;
  beforeAll(async () => {
    text = readFileSync(FEED, "utf8");
    stats = emptyIngestStats();
    const started = performance.now();
    feed = await readAzureLinuxOval(FEED, stats);
    console.log(
      `OVAL: ${stats.read} definitions → ${stats.kept} advisories in ${(performance.now() - started).toFixed(0)} ms; ` +
        `withdrawn ${stats.withdrawn}, invalid ${stats.invalid}, unknown shapes ${JSON.stringify(feed.unknown)}`,
    );
    byId = new Map(feed.advisories.map((advisory) => [advisory.id, advisory]));
  });

  it("reads every definition, and understands every shape the file has", () => {
    expect(stats.read).toBe(count(text, /<definition /g));
    expect(stats.invalid).toBe(0);
    expect(feed.unknown).toEqual({});
    expect(stats.withdrawn).toBe(count(text, /<patchable>Not Applicable<\/patchable>/g));
  });

  it("makes one advisory per CVE", () => {
    // The CVE of each definition that is not withdrawn, straight from the text.
    const definitions = text.match(/<definition [\s\S]*?<\/definition>/g) ?? [];
    const cves = definitions
      .filter((definition) => !definition.includes("Not Applicable"))
      .map((definition) => /ref_id="(CVE-[^"]+)"/.exec(definition)?.[1]);
    expect(feed.advisories.map((advisory) => advisory.id).sort()).toEqual([...new Set(cves)].sort());
    expect(stats.kept).toBe(feed.advisories.length);
  });

  it("gives every advisory a package with a fixed version, in Azure Linux:3.0", () => {
    for (const advisory of feed.advisories) {
      expect(advisory.source).toBe("oval:azurelinux");
      expect(advisory.affected.length).toBeGreaterThan(0);
      for (const pkg of advisory.affected) {
        expect(pkg.ecosystem).toBe("Azure Linux:3.0");
        expect(pkg.ranges.length).toBeGreaterThan(0);
        for (const range of pkg.ranges)
          expect(range).toEqual({ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: expect.stringMatching(/\.azl3$/) }] });
      }
    }
  });

  it("dates the feed by its generator", () => {
    expect(feed.timestamp).toBe("2024-10-10T12:04:24.575063301Z");
  });

  // Read by hand from the XML.
  it("CVE-2024-47191: oath-toolkit below 2.6.7-3.azl3, High (definition 50124)", () => {
    const advisory = byId.get("CVE-2024-47191");
    expect(advisory).toEqual({
      id: "CVE-2024-47191",
      aliases: [],
      related: ["oval:com.microsoft.azurelinux:def:50124"],
      summary: "CVE-2024-47191 affecting package oath-toolkit for versions less than 2.6.7-3",
      published: "2024-07-23T22:05:39Z",
      modified: "2024-07-23T22:05:39Z",
      cvss: [],
      vendorRating: { source: "Azure Linux", label: "High", severity: "high" },
      references: ["https://nvd.nist.gov/vuln/detail/CVE-2024-47191"],
      affected: [
        {
          ecosystem: "Azure Linux:3.0",
          name: "oath-toolkit",
          ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "2.6.7-3.azl3" }] }],
          versions: [],
          vendorRating: { source: "Azure Linux", label: "High", severity: "high" },
        },
      ],
      source: "oval:azurelinux",
    });
  });

  it("CVE-2024-2398: curl High and cmake Medium, the advisory rated by the worse", () => {
    const advisory = byId.get("CVE-2024-2398");
    expect(advisory?.affected.map((pkg) => [pkg.name, pkg.vendorRating?.label])).toEqual([
      ["curl", "High"],
      ["cmake", "Medium"],
    ]);
    expect(fixedVersions(advisory, "curl")).toEqual(["8.8.0-1.azl3"]);
    expect(fixedVersions(advisory, "cmake")).toEqual(["3.30.3-2.azl3"]);
    expect(advisory?.vendorRating?.severity).toBe("high");
    expect(advisory?.related).toEqual(["oval:com.microsoft.azurelinux:def:37101", "oval:com.microsoft.azurelinux:def:37088"]);
    expect(advisory?.published).toBe("2024-07-22T15:42:40Z");
    expect(advisory?.modified).toBe("2024-10-01T18:58:50Z");
  });

  it("CVE-2023-1393: xorg-x11-server named twice (below -4 and below -6) keeps both ranges", () => {
    const advisory = byId.get("CVE-2023-1393");
    expect(advisory?.affected).toHaveLength(1);
    expect(fixedVersions(advisory, "xorg-x11-server")).toEqual(["1.20.10-6.azl3", "1.20.10-4.azl3"]);
  });

  it("CVE-2023-45853: six Critical packages; cloud-hypervisor, marked not applicable, is left out", () => {
    const advisory = byId.get("CVE-2023-45853");
    expect(advisory?.affected.map((pkg) => pkg.name).sort()).toEqual(
      ["cloud-hypervisor-cvm", "keras", "rubygem-mini_portile2", "rust", "tcl", "zlib"].sort(),
    );
    expect(fixedVersions(advisory, "zlib")).toEqual(["1.3.1-1.azl3"]);
    expect(advisory?.vendorRating?.severity).toBe("critical");
  });

  it("needs the release from Microsoft's file name or an option", async () => {
    const renamed = join(tempTree(), "feed.xml");
    copyFileSync(FEED, renamed);
    expect(await userErrorOf(() => readAzureLinuxOval(renamed, emptyIngestStats()))).toMatch(/its release cannot be told/);
    const explicit = await readAzureLinuxOval(renamed, emptyIngestStats(), { release: "3.0" });
    expect(explicit.advisories).toEqual(feed.advisories);
  });

  it("refuses a truncated download", async () => {
    const path = join(tempTree(), "azurelinux-3.0-oval.xml");
    writeFileSync(path, text.slice(0, Math.floor(text.length / 2)));
    const message = await userErrorOf(() => readAzureLinuxOval(path, emptyIngestStats()));
    expect(message).toContain(path);
    expect(message).toMatch(/is not well-formed XML at line \d+, column \d+: .*It may be truncated/);
  });
});

describe("shapes the real feed does not have", () => {
  it("counts them instead of guessing", async () => {
    const stats = emptyIngestStats();
    const feed = await readAzureLinuxOval(join(FIXTURES, "unknown-shapes-oval.xml"), stats, { release: "3.0" });
    console.log(`OVAL fixture: unknown ${JSON.stringify(feed.unknown)}; examples ${JSON.stringify(stats.invalidExamples)}`);
    expect(stats).toMatchObject({ read: 11, kept: 2, withdrawn: 1, invalid: 8 });
    expect(feed.unknown).toEqual({
      "criteria other than a single criterion": 1,
      'state evr evr_string "greater than"': 1,
      "test kind textfilecontent54_test": 1,
      'test check "all"': 1,
      'definition class "patch"': 1,
      "state on arch, evr": 1,
      "criterion naming no test": 1,
      'patchable "false"': 1,
      'severity "Important" (kept, unrated)': 1,
    });
    expect(stats.invalidExamples).toContain('oval:test:def:4: state evr evr_string "greater than"');
    expect(feed.advisories.map((advisory) => advisory.id)).toEqual(["CVE-2024-0001", "CVE-2024-0002"]);
    const vim = feed.advisories[1]?.affected[0];
    expect(vim?.name).toBe("vim");
    expect(vim?.vendorRating).toBeUndefined();
    expect(vim?.ranges[0]?.events).toEqual([{ introduced: "0" }, { fixed: "1:9.1.0-1.azl3" }]);
  });
});

describe("hostile OVAL files", () => {
  const read = (path: string) => readAzureLinuxOval(path, emptyIngestStats(), { release: "3.0" });

  it("refuses a DOCTYPE with entities (billion laughs) before parsing it", async () => {
    const started = performance.now();
    expect(await userErrorOf(() => read(join(FIXTURES, "billion-laughs-oval.xml")))).toMatch(/declares a DOCTYPE or entities/);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("refuses empty, missing, oversized and non-OVAL files", async () => {
    const root = tempTree({
      "empty.xml": "",
      "blank.xml": "  \n",
      "html.xml": "<html><body/></html>",
      "two-roots.xml": "<oval_definitions/><oval_definitions/>",
      "no-generator.xml": "<oval_definitions><definitions/></oval_definitions>",
      "text.xml": "not xml at all",
    });
    expect(await userErrorOf(() => read(join(root, "empty.xml")))).toMatch(/is empty/);
    expect(await userErrorOf(() => read(join(root, "blank.xml")))).toMatch(/is empty/);
    expect(await userErrorOf(() => read(join(root, "absent.xml")))).toMatch(/cannot be read \(ENOENT\)/);
    expect(await userErrorOf(() => read(join(root, "html.xml")))).toMatch(/is <html>, not <oval_definitions>/);
    expect(await userErrorOf(() => read(join(root, "two-roots.xml")))).toMatch(/has 2 root elements/);
    expect(await userErrorOf(() => read(join(root, "no-generator.xml")))).toMatch(/has no <generator><timestamp>/);
    expect(await userErrorOf(() => read(join(root, "text.xml")))).toMatch(/is not well-formed XML at line 1/);
    const huge = join(root, "huge.xml");
    writeFileSync(huge, "");
    truncateSync(huge, 65 * 1024 * 1024);
    expect(await userErrorOf(() => read(huge))).toMatch(/is 65\.0 MiB, over the 64 MiB limit/);
  });
});
