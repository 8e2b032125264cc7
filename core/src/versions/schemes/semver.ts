import semver, { type SemVer } from "semver";
import { memoize } from "../memo.js";
import { compareDigits, compareStrings } from "../order.js";
import { comparePrereleases } from "../prerelease.js";
import type { Comparison, VersionScheme } from "../types.js";

/**
 * Semantic Versioning 2.0 as npm's `semver` package orders it (npm, crates.io; Go through go.ts):
 * major.minor.patch as numbers, a release after its pre-releases, pre-release identifiers
 * numerically when numeric, numeric before alphanumeric, fewer before more; build metadata is
 * ignored. A leading `v` or `=` is accepted.
 *
 * Strings `semver` rejects still order: they are read loosely as up to three numbers (a missing
 * one is 0, any size compares exactly), an optional `-pre.release`, and whatever else follows
 * before any `+build`, which breaks ties by string order and sorts after nothing at all
 * (`1.2` = `1.2.0` < `1.2.0.4` < `1.2.0.5`). Strings that do not start with a number sort before
 * every version, among themselves by string.
 */
export const semverScheme: VersionScheme = {
  name: "semver",
  // npm and crates.io publish strict semantic versions.
  isValid: (version) => semver.valid(version) !== null,
  compare(a, b) {
    return compareParsed(parse(a), parse(b));
  },
};

interface ParsedSemver {
  raw: string;
  /** What `semver` made of it; null when it rejected the string. */
  strict: SemVer | null;
  /** The loose reading; undefined when not even that works (no leading number). */
  loose: LooseSemver | undefined;
}

interface LooseSemver {
  numbers: [string, string, string];
  prerelease: string[];
  rest: string;
}

const LOOSE = /^[v=\s]*(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([^+]*))?([^+]*)/;

const parse = memoize((raw: string): ParsedSemver => {
  const match = LOOSE.exec(raw.trim());
  const loose: LooseSemver | undefined = match
    ? {
        numbers: [match[1] ?? "0", match[2] ?? "0", match[3] ?? "0"],
        prerelease: match[4] ? match[4].split(".") : [],
        rest: match[5] ?? "",
      }
    : undefined;
  return { raw, strict: semver.parse(raw), loose };
});

function compareParsed(a: ParsedSemver, b: ParsedSemver): Comparison {
  if (a.strict && b.strict) return a.strict.compare(b.strict);
  if (a.loose && b.loose) return compareLoose(a.loose, b.loose);
  if (a.loose || b.loose) return a.loose ? 1 : -1;
  return compareStrings(a.raw, b.raw);
}

/** The same order as `semver` on valid versions, extended to the loose reading. */
function compareLoose(a: LooseSemver, b: LooseSemver): Comparison {
  for (let i = 0; i < 3; i++) {
    const result = compareDigits(a.numbers[i] ?? "", b.numbers[i] ?? "");
    if (result !== 0) return result;
  }
  return comparePrereleases(a.prerelease, b.prerelease) || compareStrings(a.rest, b.rest);
}
