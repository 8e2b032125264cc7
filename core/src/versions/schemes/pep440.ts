import pep440 from "@renovatebot/pep440";
import { memoize } from "../memo.js";
import { compareStrings, sign } from "../order.js";
import type { Comparison, VersionScheme } from "../types.js";

/**
 * Python versions as PEP 440 orders them (through `@renovatebot/pep440`): epoch, release with
 * trailing zeros ignored, then dev < pre (a < b < rc) < final < post, then the local label.
 * Spellings are normalised (`1.0.ALPHA` = `1.0a0`, `1.0-1` = `1.0.post1`); surrounding white
 * space is ignored. (The library reads numbers as doubles: beyond 2^53 they compare approximately.)
 *
 * Legacy strings that are not PEP 440 versions (`0.9-ivysaur`, `2004d`), which old setuptools
 * still ordered and old PyPI releases still carry, sort before every valid version, and among
 * themselves by plain string order (code units, case-sensitive).
 */
export const pep440Scheme: VersionScheme = {
  name: "pep440",
  isValid: (version) => pep440.valid(version.trim()) !== null,
  compare(a, b) {
    const left = sortKey(a);
    const right = sortKey(b);
    if (left.key && right.key) return compareKeys(left.key, right.key);
    if (left.key || right.key) return left.key ? 1 : -1;
    return compareStrings(left.text, right.text);
  },
};

/** PEP 440's ordering of a parsed version, as numbers: release, then pre, post, dev and local parts. */
interface SortKey {
  epoch: number;
  /** Trailing zeros dropped: 1.0 = 1.0.0. */
  release: number[];
  /** A development release of a final sorts before its pre-releases; a final after them. */
  pre: [number, number];
  post: number;
  dev: number;
  /** Absent sorts before any label; alphanumeric segments before numeric ones. */
  local: [number, string][] | undefined;
}

const PRE_RELEASES: Record<string, number> = { a: 0, b: 1, rc: 2 };

/**
 * The library parses (and normalises spellings); the key is computed once per version string,
 * since matching compares one installed version against many bounds and a parse is most of
 * the cost of a comparison. Invalid strings have no key.
 */
const sortKey = memoize((version: string): { text: string; key?: SortKey } => {
  const text = version.trim();
  const parsed = pep440.valid(text) === null ? null : pep440.parse(text);
  if (!parsed) return { text };
  const release = [...parsed.release];
  while (release.length > 0 && release.at(-1) === 0) release.pop();
  const [preLabel, preNumber] = (parsed.pre ?? []) as [string?, number?];
  const pre: [number, number] =
    preLabel !== undefined
      ? [PRE_RELEASES[preLabel] ?? 0, Number(preNumber)]
      : !parsed.post && parsed.dev
        ? [Number.NEGATIVE_INFINITY, 0]
        : [Number.POSITIVE_INFINITY, 0];
  return {
    text,
    key: {
      epoch: parsed.epoch,
      release,
      pre,
      post: parsed.post ? Number(parsed.post[1]) : Number.NEGATIVE_INFINITY,
      dev: parsed.dev ? Number(parsed.dev[1]) : Number.POSITIVE_INFINITY,
      local: localSegments(parsed.local),
    },
  };
});

/** The parser's local label: its typings say a string, but it hands over the segments (`+abc.5` → `["abc", 5]`). */
function localSegments(local: unknown): SortKey["local"] {
  if (!Array.isArray(local)) return undefined;
  return local.map((part): [number, string] => {
    const number = Number(part);
    return Number.isNaN(number) ? [Number.NEGATIVE_INFINITY, String(part)] : [number, ""];
  });
}

function compareNumberLists(a: readonly number[], b: readonly number[]): Comparison {
  for (let index = 0; index < Math.min(a.length, b.length); index++) {
    if (a[index] !== b[index]) return (a[index] as number) < (b[index] as number) ? -1 : 1;
  }
  return sign(a.length - b.length);
}

function compareLocal(a: SortKey["local"], b: SortKey["local"]): Comparison {
  if (!a || !b) return a === b ? 0 : a ? 1 : -1;
  for (let index = 0; index < Math.min(a.length, b.length); index++) {
    const [leftNumber, leftText] = a[index] as [number, string];
    const [rightNumber, rightText] = b[index] as [number, string];
    if (leftNumber !== rightNumber) return leftNumber < rightNumber ? -1 : 1;
    if (leftText !== rightText) return compareStrings(leftText, rightText);
  }
  return sign(a.length - b.length);
}

function compareKeys(a: SortKey, b: SortKey): Comparison {
  return (
    compareNumberLists([a.epoch], [b.epoch]) ||
    compareNumberLists(a.release, b.release) ||
    compareNumberLists(a.pre, b.pre) ||
    compareNumberLists([a.post, a.dev], [b.post, b.dev]) ||
    compareLocal(a.local, b.local)
  );
}
