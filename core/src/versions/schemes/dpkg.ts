import { memoize } from "../memo.js";
import { compareDigits, isAsciiLetter, isDigit, sign } from "../order.js";
import type { Comparison, VersionScheme } from "../types.js";

/**
 * Debian versions, `[epoch:]upstream[-revision]`, ordered as dpkg orders them (Debian Policy
 * 5.6.12; dpkg's `verrevcmp`): the epoch as a number, then upstream and revision each compared as
 * alternating non-digit and digit runs. In non-digit runs `~` sorts before everything, even the
 * end of the string, then letters, then every other character; digit runs compare as numbers.
 *
 * Strings dpkg refuses still get an order, never an error: an epoch that is not a number is read as
 * part of the upstream version, an empty revision (`1.0-`) as no revision, an epoch of any size is
 * compared exactly. Like dpkg, non-ASCII text is compared byte by byte in UTF-8.
 */
export const dpkgScheme: VersionScheme = {
  name: "dpkg",
  // Debian Policy 5.6.12: the upstream version must start with a digit.
  isValid: (version) => /^(?:\d+:)?\d[A-Za-z0-9.+~:-]*$/.test(version),
  compare(a, b) {
    return compareParsed(parse(a), parse(b));
  },
};

interface DpkgVersion {
  epoch: string;
  upstream: string;
  revision: string;
}

const parse = memoize((version: string): DpkgVersion => {
  const text = asBytes(version.trim());
  const colon = text.indexOf(":");
  const hasEpoch = colon > 0 && /^\+?\d+$/.test(text.slice(0, colon));
  const rest = hasEpoch ? text.slice(colon + 1) : text;
  const hyphen = rest.lastIndexOf("-");
  return {
    epoch: hasEpoch ? text.slice(0, colon).replace("+", "") : "0",
    upstream: hyphen === -1 ? rest : rest.slice(0, hyphen),
    revision: hyphen === -1 ? "" : rest.slice(hyphen + 1),
  };
});

function compareParsed(a: DpkgVersion, b: DpkgVersion): Comparison {
  return compareDigits(a.epoch, b.epoch) || compareFragments(a.upstream, b.upstream) || compareFragments(a.revision, b.revision);
}

/** dpkg compares C strings: non-ASCII text as its UTF-8 bytes, one character per byte here. */
function asBytes(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range is the point
  return /^[\x00-\x7f]*$/.test(text) ? text : Buffer.from(text, "utf8").toString("latin1");
}

const TILDE = 126;

/**
 * A character's weight in a non-digit run; the end of the string and digits weigh 0. dpkg adds
 * 256 to a signed `char`, so ASCII punctuation weighs 289…382 while bytes of 0x80 and above weigh
 * their own value: after letters, before punctuation.
 */
function weight(text: string, index: number): number {
  if (index >= text.length) return 0;
  const code = text.charCodeAt(index);
  if (isDigit(code)) return 0;
  if (isAsciiLetter(code)) return code;
  if (code === TILDE) return -1;
  return code >= 128 ? code : code + 256;
}

/** dpkg's `verrevcmp` on an upstream version or a revision. */
function compareFragments(a: string, b: string): Comparison {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))) {
      const difference = weight(a, i) - weight(b, j);
      if (difference !== 0) return sign(difference);
      i++;
      j++;
    }
    while (a.charCodeAt(i) === 48) i++;
    while (b.charCodeAt(j) === 48) j++;
    let firstDifference = 0;
    while (isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))) {
      if (firstDifference === 0) firstDifference = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a.charCodeAt(i))) return 1;
    if (isDigit(b.charCodeAt(j))) return -1;
    if (firstDifference !== 0) return sign(firstDifference);
  }
  return 0;
}
