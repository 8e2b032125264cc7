import type { Comparison } from "./types.js";

/** Building blocks the schemes share: signs, plain string order, numbers of any length. */

export function sign(difference: number): Comparison {
  return difference < 0 ? -1 : difference > 0 ? 1 : 0;
}

/** Code-unit order, which is C's `strcmp` order for ASCII text. */
export function compareStrings(a: string, b: string): Comparison {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Two versions through `parse`, which gives null for a string outside the scheme's grammar: parsed
 * ones by `compareParsed`, unparsed ones before every parsed one and among themselves by string order.
 */
export function compareInvalidFirst<T>(
  a: string,
  b: string,
  parse: (version: string) => T | null,
  compareParsed: (a: T, b: T) => Comparison,
): Comparison {
  const left = parse(a);
  const right = parse(b);
  if (left && right) return compareParsed(left, right);
  if (left || right) return left ? 1 : -1;
  return compareStrings(a, b);
}

export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** ASCII letters only, as C's `isalpha` in the C locale that dpkg and rpm use. */
export function isAsciiLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/**
 * Two runs of ASCII digits by value, `a[aStart..aEnd)` against `b[bStart..bEnd)`: leading zeros
 * ignored, an empty run is 0, and no length limit (versions carry dates and 30-digit numbers that
 * overflow every machine integer). No substrings are made, so hot loops do not allocate.
 */
export function compareDigitRanges(a: string, aStart: number, aEnd: number, b: string, bStart: number, bEnd: number): Comparison {
  let i = skipZeros(a, aStart, aEnd);
  let j = skipZeros(b, bStart, bEnd);
  const lengths = aEnd - i - (bEnd - j);
  if (lengths !== 0) return sign(lengths);
  for (; i < aEnd; i++, j++) {
    const difference = a.charCodeAt(i) - b.charCodeAt(j);
    if (difference !== 0) return sign(difference);
  }
  return 0;
}

/** Two strings of ASCII digits by value (see compareDigitRanges). */
export function compareDigits(a: string, b: string): Comparison {
  return compareDigitRanges(a, 0, a.length, b, 0, b.length);
}

function skipZeros(text: string, start: number, end: number): number {
  let index = start;
  while (index < end && text.charCodeAt(index) === 48) index++;
  return index;
}

/** Where the run of characters that `accept` takes, starting at `start`, ends. */
export function runEnd(text: string, start: number, accept: (code: number) => boolean): number {
  let index = start;
  while (index < text.length && accept(text.charCodeAt(index))) index++;
  return index;
}

/** Where the run of ASCII digits starting at `start` ends. */
export function digitsEnd(text: string, start: number): number {
  return runEnd(text, start, isDigit);
}
