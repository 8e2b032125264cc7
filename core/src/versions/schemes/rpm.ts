import { memoize } from "../memo.js";
import { compareDigitRanges, compareDigits, digitsEnd, isAsciiLetter, isDigit, runEnd, sign } from "../order.js";
import type { Comparison, VersionScheme } from "../types.js";

/**
 * RPM versions, `[epoch:]version[-release]`, ordered as rpm ≥ 4.15 orders them (`rpm.vercmp`):
 * the epoch as a number (missing is 0), then the version, then the release, each with
 * `rpmvercmp`; a missing release sorts before any release (`1.0` < `1.0-` < `1.0-1`).
 *
 * The epoch is the leading digits when a `:` follows them (`a:1` has none), the release whatever
 * follows the last `-`, as rpm's `parseEVR` splits them. Every string is a version (rpm refuses
 * only the empty string, read here as an empty version).
 */
export const rpmScheme: VersionScheme = {
  name: "rpm",
  // rpm reads every non-empty string as a version.
  isValid: (version) => version !== "",
  compare(a, b) {
    return compareParsed(parse(a), parse(b));
  },
};

interface RpmVersion {
  epoch: string;
  version: string;
  release: string | undefined;
}

const parse = memoize((evr: string): RpmVersion => {
  const epochEnd = digitsEnd(evr, 0);
  const hasEpoch = evr.charCodeAt(epochEnd) === COLON;
  const hyphen = evr.lastIndexOf("-");
  const versionStart = hasEpoch ? epochEnd + 1 : 0;
  return {
    epoch: hasEpoch ? evr.slice(0, epochEnd) : "0",
    version: evr.slice(versionStart, hyphen < versionStart ? evr.length : hyphen),
    release: hyphen < versionStart ? undefined : evr.slice(hyphen + 1),
  };
});

function compareParsed(a: RpmVersion, b: RpmVersion): Comparison {
  return compareDigits(a.epoch, b.epoch) || rpmvercmp(a.version, b.version) || compareReleases(a.release, b.release);
}

function compareReleases(a: string | undefined, b: string | undefined): Comparison {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  return rpmvercmp(a, b);
}

const COLON = 58;
const TILDE = 126;
const CARET = 94;

/** Everything but letters, digits, `~` and `^` only separates segments. */
function isSeparator(code: number): boolean {
  return !isDigit(code) && !isAsciiLetter(code) && code !== TILDE && code !== CARET;
}

/**
 * rpm's `rpmvercmp`: segments of digits (compared as numbers) or letters (compared as strings),
 * other characters only separate them; a digit segment beats a letter segment. `~` sorts before
 * anything, even the end (`1.0~rc1` < `1.0`); `^` sorts after the end but before anything else
 * (`1.0` < `1.0^git1` < `1.0.1`).
 */
function rpmvercmp(a: string, b: string): Comparison {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && isSeparator(a.charCodeAt(i))) i++;
    while (j < b.length && isSeparator(b.charCodeAt(j))) j++;
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (ca === TILDE || cb === TILDE) {
      if (ca !== TILDE) return 1;
      if (cb !== TILDE) return -1;
      i++;
      j++;
      continue;
    }
    if (ca === CARET || cb === CARET) {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (ca !== CARET) return 1;
      if (cb !== CARET) return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;
    const numeric = isDigit(ca);
    const inSegment = numeric ? isDigit : isAsciiLetter;
    const aEnd = runEnd(a, i, inSegment);
    const bEnd = runEnd(b, j, inSegment);
    // Segments of different kinds: the numeric one is newer.
    if (bEnd === j) return numeric ? 1 : -1;
    const result = numeric ? compareDigitRanges(a, i, aEnd, b, j, bEnd) : compareLetterRanges(a, i, aEnd, b, j, bEnd);
    if (result !== 0) return result;
    i = aEnd;
    j = bEnd;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

/** `strcmp` on two letter segments. */
function compareLetterRanges(a: string, aStart: number, aEnd: number, b: string, bStart: number, bEnd: number): Comparison {
  for (let i = aStart, j = bStart; i < aEnd && j < bEnd; i++, j++) {
    const difference = a.charCodeAt(i) - b.charCodeAt(j);
    if (difference !== 0) return sign(difference);
  }
  return sign(aEnd - aStart - (bEnd - bStart));
}
