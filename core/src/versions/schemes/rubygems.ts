import { memoize } from "../memo.js";
import { compareDigits, compareInvalidFirst, compareStrings } from "../order.js";
import type { Comparison, VersionScheme } from "../types.js";

/**
 * RubyGems versions as `Gem::Version#<=>` orders them: the version (a `-` read as `.pre.`) splits
 * into runs of digits and runs of letters; a letter run marks a pre-release (`1.0.a` < `1.0`);
 * trailing zeros are dropped from the numeric part and from the part after the first letter run
 * (`1.0.0` = `1`, `1.0.a.0` = `1.a`); segments compare pairwise, a missing one as 0, numbers as
 * numbers of any size, letter runs as strings and before any number.
 *
 * Strings `Gem::Version` rejects sort before every version, among themselves by string order.
 */
export const rubygemsScheme: VersionScheme = {
  name: "rubygems",
  // Gem::Version's anchored version pattern.
  isValid: (version) => /^[0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/.test(version),
  compare(a, b) {
    return compareInvalidFirst(a, b, parse, compareSegments);
  },
};

/** Gem::Version::ANCHORED_VERSION_PATTERN; an empty or blank version is `0`. */
const GRAMMAR = /^\s*([0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?\s*$/;

type Segment = string | { digits: string };

const parse = memoize((version: string): Segment[] | null => {
  if (!GRAMMAR.test(version)) return null;
  const segments: Segment[] = (
    version
      .trim()
      .replaceAll("-", ".pre.")
      .match(/[0-9]+|[a-z]+/gi) ?? []
  ).map((run) => (/^\d/.test(run) ? { digits: run } : run));
  const firstLetters = segments.findIndex((segment) => typeof segment === "string");
  if (firstLetters === -1) return withoutTrailingZeros(segments);
  return [...withoutTrailingZeros(segments.slice(0, firstLetters)), ...withoutTrailingZeros(segments.slice(firstLetters))];
});

function isZero(segment: Segment | undefined): boolean {
  return typeof segment === "object" && compareDigits(segment.digits, "0") === 0;
}

function withoutTrailingZeros(segments: Segment[]): Segment[] {
  let end = segments.length;
  while (end > 0 && isZero(segments[end - 1])) end--;
  return segments.slice(0, end);
}

const ZERO: Segment = { digits: "0" };

function compareSegments(a: Segment[], b: Segment[]): Comparison {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const result = compareSegment(a[i] ?? ZERO, b[i] ?? ZERO);
    if (result !== 0) return result;
  }
  return 0;
}

function compareSegment(a: Segment, b: Segment): Comparison {
  if (typeof a === "string") return typeof b === "string" ? compareStrings(a, b) : -1;
  return typeof b === "string" ? 1 : compareDigits(a.digits, b.digits);
}
