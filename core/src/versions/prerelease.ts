import { compareDigits, compareStrings } from "./order.js";
import type { Comparison } from "./types.js";

/**
 * Pre-release precedence as SemVer 2.0 (§11) defines it, shared by semver and NuGet: no
 * pre-release sorts after any; identifiers compare one by one, numeric ones as numbers (of any
 * size) and before alphanumeric ones, which compare as strings; a shorter list first.
 */
export function comparePrereleases(a: readonly string[], b: readonly string[]): Comparison {
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 0 : a.length === 0 ? 1 : -1;
  const shared = Math.min(a.length, b.length);
  for (let i = 0; i < shared; i++) {
    const result = compareIdentifiers(a[i] ?? "", b[i] ?? "");
    if (result !== 0) return result;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

const NUMERIC = /^\d+$/;

function compareIdentifiers(a: string, b: string): Comparison {
  const aNumeric = NUMERIC.test(a);
  const bNumeric = NUMERIC.test(b);
  if (aNumeric && bNumeric) return compareDigits(a, b);
  if (aNumeric || bNumeric) return aNumeric ? -1 : 1;
  return compareStrings(a, b);
}
