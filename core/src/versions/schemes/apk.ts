import { memoize } from "../memo.js";
import { compareDigits, compareStrings, digitsEnd, isDigit, runEnd, sign } from "../order.js";
import type { Comparison, VersionScheme } from "../types.js";

/**
 * Alpine versions, `number{.number}…{letter}{_suffix{number}}…{~hash}{-r number}`, ordered as
 * apk-tools 3 orders them: the version is read as a run of tokens and compared token by token.
 * Numbers compare as numbers, except that after the first one a leading zero makes both compare as
 * strings (`1.01` < `1.1`); suffixes rank `_alpha` < `_beta` < `_pre` < `_rc` < none < `_cvs` <
 * `_svn` < `_git` < `_hg` < `_p`. Where one version runs out or changes kind first, a pre-release
 * suffix is older and otherwise the token kind decides, later kinds being older:
 * `1.2.1` > `1.2a` > `1.2_p1` > `1.2~0a` > `1.2-r1` > `1.2` > malformed tails > `1.2_rc1`.
 *
 * Malformed input (as OSV's Alpine data and `apk version -t` treat it): what cannot be read is one
 * "invalid" token holding the rest of the string; two at the same place compare as strings (`a` <
 * `b`, `6.6.2p1` < `6.6.2p2`). A revision is `-r` and digits to the end (`-r` alone is `-r0`);
 * any other tail from a `-` on is an invalid revision, all equal to each other and older than the
 * same version without a revision (`1-r0-1` = `1-ruff` < `1` < `1-r0`).
 */
export const apkScheme: VersionScheme = {
  name: "apk",
  // apk's grammar starts with a digit.
  isValid: (version) => /^\d/.test(version),
  compare(a, b) {
    return compareTokens(tokenize(a), tokenize(b));
  },
};

/** Token kinds in apk-tools' order, which is part of the ordering (see above). */
const INITIAL_DIGIT = 0;
const DIGIT = 1;
const LETTER = 2;
const SUFFIX = 3;
const SUFFIX_NUMBER = 4;
const COMMIT_HASH = 5;
const REVISION = 6;
const END = 7;
const INVALID = 8;

interface Token {
  kind: number;
  /** The digits, letter, hash, or for INVALID the unreadable rest ("" for an invalid revision). */
  text: string;
  /** For SUFFIX, its rank in SUFFIX_RANKS. */
  rank: number;
}

/** Rank of each suffix; no suffix at all ranks NO_SUFFIX, between the pre-releases and the rest. */
const NO_SUFFIX = 4;
const SUFFIX_RANKS: ReadonlyMap<string, number> = new Map([
  ["alpha", 0],
  ["beta", 1],
  ["pre", 2],
  ["rc", 3],
  ["cvs", 5],
  ["svn", 6],
  ["git", 7],
  ["hg", 8],
  ["p", 9],
]);

const END_TOKEN: Token = { kind: END, text: "", rank: 0 };

const tokenize = memoize((version: string): Token[] => {
  const tokens: Token[] = [];
  let position = digitsEnd(version, 0);
  if (position === 0) return [invalid(version, 0)];
  tokens.push(token(INITIAL_DIGIT, version.slice(0, position)));
  while (position < version.length) {
    const next = readToken(version, position, tokens.at(-1)?.kind ?? INITIAL_DIGIT);
    tokens.push(next.token);
    position = next.end;
  }
  return tokens;
});

/** The token at `start`, given the kind before it (which limits what may follow). */
function readToken(version: string, start: number, previous: number): { token: Token; end: number } {
  const code = version.charCodeAt(start);
  if (isLowercase(code) && previous <= DIGIT) return { token: token(LETTER, version[start] ?? ""), end: start + 1 };
  if (code === 46 /* . */ && previous <= DIGIT) {
    const end = digitsEnd(version, start + 1);
    if (end > start + 1) return { token: token(DIGIT, version.slice(start + 1, end)), end };
  } else if (isDigit(code) && previous === SUFFIX) {
    const end = digitsEnd(version, start);
    return { token: token(SUFFIX_NUMBER, version.slice(start, end)), end };
  } else if (code === 95 /* _ */ && previous <= SUFFIX_NUMBER) {
    const end = runEnd(version, start + 1, isLowercase);
    const rank = SUFFIX_RANKS.get(version.slice(start + 1, end));
    if (rank !== undefined) return { token: { kind: SUFFIX, text: "", rank }, end };
  } else if (code === 126 /* ~ */ && previous < COMMIT_HASH) {
    const end = runEnd(version, start + 1, isLowerHex);
    if (end > start + 1) return { token: token(COMMIT_HASH, version.slice(start + 1, end)), end };
  } else if (code === 45 /* - */) {
    const revision = /^-r(\d*)$/.exec(version.slice(start));
    return { token: revision ? token(REVISION, revision[1] ?? "") : invalidRevision(), end: version.length };
  }
  return { token: invalid(version, start), end: version.length };
}

function token(kind: number, text: string): Token {
  return { kind, text, rank: 0 };
}

function invalid(version: string, start: number): Token {
  return token(INVALID, version.slice(start));
}

function invalidRevision(): Token {
  return token(INVALID, "");
}

function compareTokens(a: Token[], b: Token[]): Comparison {
  for (let index = 0; ; index++) {
    const ta = a[index] ?? END_TOKEN;
    const tb = b[index] ?? END_TOKEN;
    if (ta.kind !== tb.kind) return compareKinds(ta, tb);
    if (ta.kind === END) return 0;
    const result = compareSameKind(ta, tb);
    if (result !== 0 || ta.kind === INVALID) return result;
  }
}

/** Where the versions part ways: a pre-release suffix is older, otherwise the later kind is. */
function compareKinds(a: Token, b: Token): Comparison {
  if (a.kind === SUFFIX && a.rank < NO_SUFFIX) return -1;
  if (b.kind === SUFFIX && b.rank < NO_SUFFIX) return 1;
  return a.kind > b.kind ? -1 : 1;
}

function compareSameKind(a: Token, b: Token): Comparison {
  switch (a.kind) {
    case DIGIT:
      // After the first number a leading zero means string order, as in Gentoo's rules.
      if (a.text.startsWith("0") || b.text.startsWith("0")) return compareStrings(a.text, b.text);
      return compareDigits(a.text, b.text);
    case INITIAL_DIGIT:
    case SUFFIX_NUMBER:
    case REVISION:
      return compareDigits(a.text, b.text);
    case SUFFIX:
      return sign(a.rank - b.rank);
    default:
      return compareStrings(a.text, b.text);
  }
}

function isLowercase(code: number): boolean {
  return code >= 97 && code <= 122;
}

function isLowerHex(code: number): boolean {
  return isDigit(code) || (code >= 97 && code <= 102);
}
