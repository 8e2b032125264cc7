import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dpkgScheme } from "../core/src/versions/schemes/dpkg.js";
import { rpmScheme } from "../core/src/versions/schemes/rpm.js";
import type { Comparison, VersionScheme } from "../core/src/versions/types.js";
import {
  DPKG,
  dpkgVerdicts,
  dpkgVersion,
  EQUIVALENT_REWRITES,
  RPM,
  rpmVerdicts,
  rpmVersion,
  versionPairs,
} from "./support/native-versions.js";
import { realPartAvailable } from "./support/real-parts.js";

/**
 * Our dpkg and rpm orders against the real tools on thousands of seeded, realistic pairs: every
 * verdict must be the tool's.
 */
const PAIRS = 2500;

/** Suffixes that move a version a little: pre-releases, post-releases, one more part. */
const suffixes = (...endings: string[]) => endings.map((ending) => (version: string) => `${version}${ending}`);
const DPKG_TWEAKS = [...suffixes("~", "~rc1", "+b1", "-1", ".0", "a", "-0"), ...EQUIVALENT_REWRITES];
const RPM_TWEAKS = [
  ...suffixes("~", "~rc1", "^", "^git1", "-1", ".0", "a", "_1"),
  ...EQUIVALENT_REWRITES,
  (version: string) => version.replace(".", "_"),
];

const hasDpkg = realPartAvailable("dpkg", DPKG, "it is part of every Debian and Ubuntu system");
const hasRpm = realPartAvailable("rpm", RPM, "apt-get install rpm (.ci/run does)");

async function checkAgainstOracle(
  tool: string,
  scheme: VersionScheme,
  pairs: [string, string][],
  oracle: (pairs: [string, string][]) => Promise<Comparison[]>,
): Promise<void> {
  const started = performance.now();
  const expected = await oracle(pairs);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const disagreements = pairs.flatMap(([a, b], index) => {
    const ours = scheme.compare(a, b);
    return ours === expected[index] ? [] : [`${a} vs ${b}: ${tool} says ${expected[index]}, we say ${ours}`];
  });
  const tally = [-1, 0, 1].map((verdict) => expected.filter((each) => each === verdict).length);
  const identical = pairs.filter(([a, b]) => a === b).length;
  console.log(
    `${tool}: ${pairs.length} pairs in ${seconds} s (${tally[0]} less, ${tally[1]} equal of which ${identical} identical, ${tally[2]} greater), ` +
      `${disagreements.length} disagreements`,
  );
  expect(disagreements).toEqual([]);
  // The pairs must exercise every outcome, or agreement would prove little.
  expect(Math.min(...tally)).toBeGreaterThan(pairs.length / 20);
}

describe("version order agrees with the real tools", () => {
  it.skipIf(!hasDpkg)("dpkg --compare-versions", async () => {
    const pairs = fc.sample(versionPairs(dpkgVersion, DPKG_TWEAKS), { numRuns: PAIRS, seed: 20240501 });
    await checkAgainstOracle("dpkg", dpkgScheme, pairs, dpkgVerdicts);
  });

  it.skipIf(!hasRpm)("rpm.vercmp (rpm --eval with Lua)", async () => {
    const pairs = fc.sample(versionPairs(rpmVersion, RPM_TWEAKS), { numRuns: PAIRS, seed: 20240502 });
    await checkAgainstOracle("rpm", rpmScheme, pairs, rpmVerdicts);
  });
});
