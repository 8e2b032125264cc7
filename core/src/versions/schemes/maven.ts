import { memoize } from "../memo.js";
import { compareDigits, compareStrings, isDigit, sign } from "../order.js";
import type { Comparison, VersionScheme } from "../types.js";

/**
 * Maven versions by the Version Order Specification of the POM reference, the rules OSV orders
 * Maven advisories by. (Maven's `ComparableVersion` agrees on published versions but differs in
 * corners, and since 3.9 reads `.qualifier` as `-qualifier`.)
 *
 * The lower-cased version splits into tokens at `.`, at `-` and where digits and other characters
 * meet (which counts as `-`); each token remembers the separator before it, and an empty token is
 * `0`. Null tokens (`0`, `ga`, `final`, `release`, the empty qualifier) are trimmed from the end,
 * then again before every remaining `-` (`1.0.0-foo.0.0` → `1-foo`, `1-ga-1` → `1-1`).
 * Tokens compare pairwise: `.qualifier` < `-qualifier` < `-number` < `.number`; numbers by value
 * (any size); qualifiers alpha < beta < milestone < rc = cr < snapshot < "" < sp < any other
 * (alphabetically), `a1`, `b1`, `m1` being alpha 1, beta 1, milestone 1. Where one version ends,
 * the other's next token compares with null: `1-rc` < `1` < `1-sp` < `1.1`.
 *
 * Every string is a version, so nothing is rejected. As in OSV and in Maven before 3.9, the order
 * is not transitive where a `.qualifier` or a kept `.0` meets a `-` token after the same prefix
 * (`5.0.0.Alpha1` < `5.0.0` < `5.0.0-1` < `5.0.0.Alpha1`); versions that keep to one style, as an
 * artifact's releases do, order consistently.
 */
export const mavenScheme: VersionScheme = {
  name: "maven",
  // Maven reads every non-empty string as a version.
  isValid: (version) => version !== "",
  compare(a, b) {
    return compareTokenLists(tokenize(a), tokenize(b));
  },
};

interface Token {
  hyphen: boolean;
  numeric: boolean;
  /** The digits of a number, or a qualifier's sort key (see qualifierKey). */
  value: string;
}

const KNOWN_QUALIFIERS = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const ALIASES: Readonly<Record<string, string>> = { cr: "rc", ga: "", final: "", release: "" };
/** A single letter right before a number abbreviates a qualifier: `1a1` is `1-alpha-1`. */
const ABBREVIATIONS: Readonly<Record<string, string>> = { a: "alpha", b: "beta", m: "milestone" };
const RELEASE_KEY = qualifierKey("");

/** Known qualifiers by rank ("0"…"6"), then the others by name ("7-name"), as Maven keys them. */
function qualifierKey(name: string): string {
  const canonical = Object.hasOwn(ALIASES, name) ? (ALIASES[name] as string) : name;
  const rank = KNOWN_QUALIFIERS.indexOf(canonical);
  return rank === -1 ? `${KNOWN_QUALIFIERS.length}-${canonical}` : String(rank);
}

function isNull(token: Token): boolean {
  return token.numeric ? compareDigits(token.value, "0") === 0 : token.value === RELEASE_KEY;
}

const tokenize = memoize((version: string): Token[] => {
  const text = version.toLowerCase();
  const tokens: Token[] = [];
  let start = 0;
  let hyphen = false;
  const push = (end: number, nextHyphen: boolean) => {
    const raw = text.slice(start, end);
    const numeric = raw === "" || isDigit(raw.charCodeAt(0));
    const followedByNumber = isDigit(text.charCodeAt(end));
    const name = (followedByNumber && ABBREVIATIONS[raw]) || raw;
    tokens.push({ hyphen, numeric, value: numeric ? raw || "0" : qualifierKey(name) });
    hyphen = nextHyphen;
  };
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 46 /* . */ || code === 45 /* - */) {
      push(i, code === 45);
      start = i + 1;
    } else if (i > start && isDigit(code) !== isDigit(text.charCodeAt(i - 1))) {
      push(i, true);
      start = i;
    }
  }
  if (text.length > 0) push(text.length, false);
  return trimNulls(tokens);
});

/**
 * Drops null tokens from the end, then from before each remaining `-`, last to first: one pass
 * from the end, trimming while nulls follow the end or a kept `-` token.
 */
function trimNulls(tokens: Token[]): Token[] {
  const kept: Token[] = [];
  let trimming = true;
  for (let i = tokens.length - 1; i >= 0; i--) {
    const token = tokens[i] as Token;
    if (trimming && isNull(token)) continue;
    kept.push(token);
    trimming = token.hyphen;
  }
  return kept.reverse();
}

/** `.qualifier` < `-qualifier` < `-number` < `.number`. */
function category(token: Token): number {
  if (token.numeric) return token.hyphen ? 2 : 3;
  return token.hyphen ? 1 : 0;
}

function compareTokens(a: Token, b: Token): Comparison {
  const categories = category(a) - category(b);
  if (categories !== 0) return sign(categories);
  return a.numeric ? compareDigits(a.value, b.value) : compareStrings(a.value, b.value);
}

/** A token against the end of the other version: against 0 or the empty qualifier. */
function compareWithNull(token: Token): Comparison {
  return token.numeric ? compareDigits(token.value, "0") : compareStrings(token.value, RELEASE_KEY);
}

function compareTokenLists(a: Token[], b: Token[]): Comparison {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const left = a[i];
    const right = b[i];
    const result =
      left && right ? compareTokens(left, right) : left ? compareWithNull(left) : right ? ((0 - compareWithNull(right)) as Comparison) : 0;
    if (result !== 0) return result;
  }
  return 0;
}
