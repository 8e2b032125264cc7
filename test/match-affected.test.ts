import fc from "fast-check";
import semver from "semver";
import { describe, expect, it } from "vitest";
import { isAffected } from "../core/src/match/index.js";
import type { AffectedPackage, AffectedRange, RangeEvent } from "../core/src/vulndb/types.js";

function affected(ranges: AffectedRange[], versions: string[] = []): AffectedPackage {
  return { ecosystem: "test", name: "pkg", ranges, versions };
}

const semverRange = (...events: RangeEvent[]): AffectedRange => ({ type: "SEMVER", events });
const ecosystemRange = (...events: RangeEvent[]): AffectedRange => ({ type: "ECOSYSTEM", events });

/** What isAffected says for each version: `false`, or the fix (`true` when none). */
function verdicts(entry: AffectedPackage, ecosystem: string, versions: string[]): Record<string, string | boolean> {
  return Object.fromEntries(
    versions.map((version) => {
      const verdict = isAffected(entry, ecosystem, version);
      return [version, verdict.affected ? (verdict.fixedVersion ?? true) : false];
    }),
  );
}

describe("isAffected: the OSV schema's examples", () => {
  it("unfixed: every version", () => {
    expect(verdicts(affected([semverRange({ introduced: "0" })]), "npm", ["0.0.0", "1.0.0", "99.0.0-rc.1"])).toEqual({
      "0.0.0": true,
      "1.0.0": true,
      "99.0.0-rc.1": true,
    });
  });

  it("fixed: everything before the fix, which is exclusive", () => {
    expect(
      verdicts(affected([semverRange({ introduced: "0" }, { fixed: "1.0.2" })]), "npm", ["1.0.1", "1.0.2-rc.1", "1.0.2", "2.0.0"]),
    ).toEqual({
      "1.0.1": "1.0.2",
      "1.0.2-rc.1": "1.0.2",
      "1.0.2": false,
      "2.0.0": false,
    });
  });

  it("multiple segments in one range: [1.0.0, 1.0.2) and [3.0.0, 3.2.5)", () => {
    const entry = affected([semverRange({ introduced: "1.0.0" }, { fixed: "1.0.2" }, { introduced: "3.0.0" }, { fixed: "3.2.5" })]);
    expect(verdicts(entry, "npm", ["0.9.0", "1.0.0", "1.0.2", "2.0.0", "3.0.0", "3.2.4", "3.2.5"])).toEqual({
      "0.9.0": false,
      "1.0.0": "1.0.2",
      "1.0.2": false,
      "2.0.0": false,
      "3.0.0": "3.2.5",
      "3.2.4": "3.2.5",
      "3.2.5": false,
    });
  });

  it("last_affected is inclusive and gives no fix; fixed at the same version is exclusive", () => {
    const last = affected([ecosystemRange({ introduced: "0" }, { last_affected: "2.1.214" })]);
    const fixed = affected([ecosystemRange({ introduced: "0" }, { fixed: "2.1.214" })]);
    expect(verdicts(last, "Maven", ["2.1.213", "2.1.214", "2.1.215"])).toEqual({ "2.1.213": true, "2.1.214": true, "2.1.215": false });
    expect(verdicts(fixed, "Maven", ["2.1.213", "2.1.214", "2.1.215"])).toEqual({
      "2.1.213": "2.1.214",
      "2.1.214": false,
      "2.1.215": false,
    });
  });

  it("limit: only below some limit, exclusive; `*` is infinity; no limit means no bound", () => {
    const limited = affected([ecosystemRange({ introduced: "0" }, { limit: "1.5.0" }, { limit: "3.0.0" })]);
    expect(verdicts(limited, "npm", ["1.0.0", "2.0.0", "3.0.0", "4.0.0"])).toEqual({
      "1.0.0": true,
      "2.0.0": true,
      "3.0.0": false,
      "4.0.0": false,
    });
    const starred = affected([ecosystemRange({ introduced: "1.0.0" }, { limit: "*" })]);
    expect(verdicts(starred, "npm", ["0.1.0", "1.0.0", "999.0.0"])).toEqual({ "0.1.0": false, "1.0.0": true, "999.0.0": true });
    expect(isAffected(affected([ecosystemRange({ limit: "2.0.0" })]), "npm", "1.0.0").affected).toBe(false);
  });

  it("the versions list: an exact string match affects, whatever the ranges say", () => {
    const entry = affected([ecosystemRange({ introduced: "2.0" }, { fixed: "2.5" })], ["1.0", "1.1"]);
    expect(verdicts(entry, "PyPI", ["1.0", "1.0.0", "1.1", "1.2", "2.1"])).toEqual({
      "1.0": "2.5",
      // PEP 440 says 1.0.0 == 1.0, but the list is matched exactly, as the schema's pseudo-code does.
      "1.0.0": false,
      "1.1": "2.5",
      "1.2": false,
      "2.1": "2.5",
    });
  });
});

describe("isAffected: reading the events", () => {
  it("sorts events by version: PYSEC-2023-192 lists the 2.x segment before the 1.x one", () => {
    const urllib3 = affected([ecosystemRange({ introduced: "2.0.0" }, { fixed: "2.0.6" }, { introduced: "0" }, { fixed: "1.26.17" })]);
    expect(verdicts(urllib3, "PyPI", ["1.26.12", "1.26.17", "1.26.18", "2.0.0", "2.0.5", "2.0.6"])).toEqual({
      "1.26.12": "1.26.17",
      "1.26.17": false,
      "1.26.18": false,
      "2.0.0": "2.0.6",
      "2.0.5": "2.0.6",
      "2.0.6": false,
    });
  });

  it("orders events of equal versions as the record does, and offers no fix that is itself affected (PYSEC-2022-236)", () => {
    // pyspark: [0, 3.1.1) and [3.1.1, 3.1.3) in one range; 3.1.1 is affected, so 3.1.3 is the fix.
    const pyspark = affected([
      ecosystemRange(
        { introduced: "0" },
        { fixed: "3.1.1" },
        { introduced: "3.2.0" },
        { fixed: "3.2.2" },
        { introduced: "3.1.1" },
        { fixed: "3.1.3" },
      ),
    ]);
    expect(verdicts(pyspark, "PyPI", ["2.4.8", "3.1.1", "3.1.2", "3.1.3", "3.2.1", "3.2.2"])).toEqual({
      "2.4.8": "3.1.3",
      "3.1.1": "3.1.3",
      "3.1.2": "3.1.3",
      "3.1.3": false,
      "3.2.1": "3.2.2",
      "3.2.2": false,
    });
    // The other way round, an empty segment [3.0, 3.0) affects nothing.
    expect(isAffected(affected([ecosystemRange({ introduced: "3.0" }, { fixed: "3.0" })]), "PyPI", "3.0").affected).toBe(false);
  });

  it("takes the smallest fix over several ranges that no range still holds, and none while an unfixed range does", () => {
    const ranges = [
      ecosystemRange({ introduced: "1.0.0" }, { fixed: "1.4.0" }),
      ecosystemRange({ introduced: "0" }, { fixed: "1.9.0" }),
      ecosystemRange({ introduced: "2.0.0" }, { fixed: "2.1.0" }),
      ecosystemRange({ introduced: "3.0.0" }, { fixed: "3.0.2" }),
    ];
    expect(isAffected(affected(ranges), "npm", "3.0.1")).toEqual({ affected: true, fixedVersion: "3.0.2" });
    expect(isAffected(affected(ranges), "npm", "0.5.0")).toEqual({ affected: true, fixedVersion: "1.9.0" });
    // The ranges overlap: 1.4.0 closes the second but is still inside the first.
    expect(isAffected(affected(ranges), "npm", "1.2.0")).toEqual({ affected: true, fixedVersion: "1.9.0" });
    expect(isAffected(affected(ranges), "npm", "1.5.0")).toEqual({ affected: true, fixedVersion: "1.9.0" });
    expect(isAffected(affected(ranges), "npm", "2.0.5")).toEqual({ affected: true, fixedVersion: "2.1.0" });
    // Another range with no fix holds every version from 1.0.0 on: no upgrade leaves the flaw.
    const unfixed = affected([...ranges, ecosystemRange({ introduced: "1.0.0" })]);
    expect(isAffected(unfixed, "npm", "0.5.0")).toEqual({ affected: true });
    expect(isAffected(unfixed, "npm", "1.2.0")).toEqual({ affected: true });
  });

  it("compares SEMVER ranges as semantic versions with a leading v tolerated, whatever the ecosystem", () => {
    const stdlib = affected([semverRange({ introduced: "0" }, { fixed: "1.19.9" }, { introduced: "1.20.0-0" }, { fixed: "1.20.4" })]);
    expect(verdicts(stdlib, "Go", ["v1.19.8", "v1.19.9", "v1.20.0-rc.1", "v1.20.3", "1.20.3", "v1.20.4"])).toEqual({
      "v1.19.8": "1.19.9",
      "v1.19.9": false,
      "v1.20.0-rc.1": "1.20.4",
      "v1.20.3": "1.20.4",
      "1.20.3": "1.20.4",
      "v1.20.4": false,
    });
    // Under a dpkg ecosystem a SEMVER range is still semver: 1.0.0-rc.1 is a pre-release of 1.0.0
    // (dpkg would read `rc.1` as a revision after 1.0.0); an ECOSYSTEM range there is dpkg's.
    expect(isAffected(affected([semverRange({ introduced: "v0.1.0" }, { fixed: "v1.0.0" })]), "Debian:12", "1.0.0-rc.1").affected).toBe(
      true,
    );
    expect(isAffected(affected([ecosystemRange({ introduced: "0.1.0" }, { fixed: "1.0.0" })]), "Debian:12", "1.0.0-rc.1").affected).toBe(
      false,
    );
    // An ecosystem without a version scheme is fine for SEMVER ranges.
    expect(isAffected(affected([semverRange({ introduced: "0" }, { fixed: "2.0.0" })]), "Hex", "1.0.0").affected).toBe(true);
  });

  it("compares ECOSYSTEM ranges by the ecosystem's scheme: dpkg tildes and epochs, rpm's 0: epoch, apk revisions", () => {
    const debian = affected([ecosystemRange({ introduced: "0" }, { fixed: "1:2.36-9+deb12u4" })]);
    expect(verdicts(debian, "Debian:12", ["2.36-9+deb12u4", "1:2.36-9+deb12u3", "1:2.36-9+deb12u4", "0:9.9"])).toEqual({
      "2.36-9+deb12u4": "1:2.36-9+deb12u4",
      "1:2.36-9+deb12u3": "1:2.36-9+deb12u4",
      "1:2.36-9+deb12u4": false,
      "0:9.9": "1:2.36-9+deb12u4",
    });
    const tilde = affected([ecosystemRange({ introduced: "0" }, { fixed: "3.0.11-1~deb12u2" })]);
    expect(verdicts(tilde, "Debian:12", ["3.0.11-1~deb12u1", "3.0.11-1~deb12u2", "3.0.11-1"])).toEqual({
      "3.0.11-1~deb12u1": "3.0.11-1~deb12u2",
      "3.0.11-1~deb12u2": false,
      "3.0.11-1": false,
    });
    const rpm = affected([ecosystemRange({ introduced: "0" }, { fixed: "0:2.6.7-3.azl3" })]);
    expect(verdicts(rpm, "Azure Linux:3.0", ["2.6.7-2.azl3", "2.6.7-3.azl3", "0:2.6.7-3.azl3", "1:1.0-1"])).toEqual({
      "2.6.7-2.azl3": "0:2.6.7-3.azl3",
      "2.6.7-3.azl3": false,
      "0:2.6.7-3.azl3": false,
      "1:1.0-1": false,
    });
    const apk = affected([ecosystemRange({ introduced: "0" }, { fixed: "3.1.4-r1" })]);
    expect(verdicts(apk, "Alpine:v3.18", ["3.1.4-r0", "3.1.4-r1", "3.1.4_p1-r0"])).toEqual({
      "3.1.4-r0": "3.1.4-r1",
      "3.1.4-r1": false,
      "3.1.4_p1-r0": false,
    });
  });

  it("throws for an ECOSYSTEM range of an ecosystem without a version scheme (matchPackages never asks)", () => {
    expect(() => isAffected(affected([ecosystemRange({ introduced: "0" })]), "Hex", "1.0.0")).toThrow(/unknown ecosystem "Hex"/);
  });
});

describe("isAffected: properties (fast-check)", () => {
  const versions = fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3)).map(([a, b, c]) => `${a}.${b}.${c}`);
  const event = fc.oneof(
    versions.map((version): RangeEvent => ({ introduced: version })),
    fc.constant<RangeEvent>({ introduced: "0" }),
    versions.map((version): RangeEvent => ({ fixed: version })),
    versions.map((version): RangeEvent => ({ last_affected: version })),
    versions.map((version): RangeEvent => ({ limit: version })),
  );
  const events = fc.array(event, { maxLength: 8 });

  /** The schema's pseudo-code as written: a stable sort of the events, then one walk. */
  function reference(range: RangeEvent[], version: string): boolean {
    const at = (value: string) => (value === "0" ? "0.0.0-0" : value);
    const limits = range.flatMap((item) => ("limit" in item ? [item.limit] : []));
    if (limits.length > 0 && !limits.some((limit) => semver.lt(version, limit))) return false;
    const sorted = range
      .filter((item) => !("limit" in item))
      .map((item) => Object.entries(item)[0] as [string, string])
      .sort((a, b) => semver.compare(at(a[1]), at(b[1])));
    let vulnerable = false;
    for (const [kind, value] of sorted) {
      if (kind === "introduced" && semver.gte(version, at(value))) vulnerable = true;
      else if (kind === "fixed" && semver.gte(version, value)) vulnerable = false;
      else if (kind === "last_affected" && semver.gt(version, value)) vulnerable = false;
    }
    return vulnerable;
  }

  it("agrees with the schema's pseudo-code on random ranges", () => {
    fc.assert(
      fc.property(fc.array(events, { minLength: 1, maxLength: 3 }), versions, (ranges, version) => {
        const expected = ranges.some((range) => reference(range, version));
        expect(isAffected(affected(ranges.map((range) => semverRange(...range))), "npm", version).affected).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it("gives a fix only when affected, above the version, and not affected itself", () => {
    fc.assert(
      fc.property(events, versions, (range, version) => {
        const entry = affected([semverRange(...range)]);
        const verdict = isAffected(entry, "npm", version);
        if (verdict.fixedVersion === undefined) return;
        expect(verdict.affected).toBe(true);
        expect(semver.gt(verdict.fixedVersion, version)).toBe(true);
        expect(isAffected(entry, "npm", verdict.fixedVersion).affected).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("isAffected: hostile input", () => {
  it("answers for ranges without events, with only limits, with 100,000 events, and for a megabyte version", () => {
    expect(isAffected(affected([semverRange()]), "npm", "1.0.0")).toEqual({ affected: false });
    expect(isAffected(affected([]), "npm", "1.0.0")).toEqual({ affected: false });
    const many = Array.from({ length: 50_000 }, (_, n): RangeEvent[] => [
      { introduced: `${2 * n}.0.0` },
      { fixed: `${2 * n + 1}.0.0` },
    ]).flat();
    const started = performance.now();
    expect(isAffected(affected([semverRange(...many)]), "npm", "77776.5.0")).toEqual({ affected: true, fixedVersion: "77777.0.0" });
    expect(isAffected(affected([semverRange(...many)]), "npm", "77777.5.0")).toEqual({ affected: false });
    expect(performance.now() - started).toBeLessThan(5000);
    const huge = `1.${"9".repeat(1024 * 1024)}.0`;
    expect(isAffected(affected([semverRange({ introduced: "0" }, { fixed: "2.0.0" })]), "npm", huge)).toEqual({
      affected: true,
      fixedVersion: "2.0.0",
    });
  });
});
