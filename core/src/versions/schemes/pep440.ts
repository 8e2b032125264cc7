import pep440 from "@renovatebot/pep440";
import { memoize } from "../memo.js";
import { compareStrings, sign } from "../order.js";
import type { VersionScheme } from "../types.js";

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
    const left = normalised(a);
    const right = normalised(b);
    if (left.valid && right.valid) return sign(pep440.compare(left.text, right.text));
    if (left.valid || right.valid) return left.valid ? 1 : -1;
    return compareStrings(left.text, right.text);
  },
};

const normalised = memoize((version: string) => {
  const text = version.trim();
  return { text, valid: pep440.valid(text) !== null };
});
