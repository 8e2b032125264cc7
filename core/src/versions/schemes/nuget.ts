import { memoize } from "../memo.js";
import { compareDigits, compareInvalidFirst } from "../order.js";
import { comparePrereleases } from "../prerelease.js";
import type { Comparison, VersionScheme } from "../types.js";

/**
 * NuGet versions (NuGet's SemVer 2.0 with legacy four-part versions): up to four numbers
 * `major.minor.patch.revision` (any size), a missing one is 0 and leading zeros do not count (`1.0` =
 * `1.0.0.0`, `1.0.01` = `1.0.1`); a release after its pre-releases; pre-release labels compared
 * one by one, numeric ones as numbers and before alphanumeric ones, which compare ignoring case;
 * fewer labels first; build metadata ignored.
 *
 * Strings NuGet would reject sort before every version, among themselves by plain string order.
 */
export const nugetScheme: VersionScheme = {
  name: "nuget",
  // NuGet's grammar: up to four numbers, a pre-release label, build metadata.
  isValid: (version) => /^\d+(?:\.\d+){0,3}(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/.test(version),
  compare(a, b) {
    return compareInvalidFirst(a, b, parse, compareVersions);
  },
};

interface NugetVersion {
  numbers: string[];
  labels: string[];
}

const GRAMMAR = /^\s*(\d+(?:\.\d+){0,3})(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?\s*$/;

const parse = memoize((version: string): NugetVersion | null => {
  const match = GRAMMAR.exec(version);
  if (!match) return null;
  return {
    numbers: (match[1] ?? "").split("."),
    // Labels compare ignoring case; upper-casing once here is what NuGet's OrdinalIgnoreCase does.
    labels: match[2] ? match[2].toUpperCase().split(".") : [],
  };
});

function compareVersions(a: NugetVersion, b: NugetVersion): Comparison {
  for (let i = 0; i < 4; i++) {
    const result = compareDigits(a.numbers[i] ?? "", b.numbers[i] ?? "");
    if (result !== 0) return result;
  }
  return comparePrereleases(a.labels, b.labels);
}
