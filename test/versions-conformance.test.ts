import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { compareVersions } from "../core/src/versions/index.js";
import type { Comparison } from "../core/src/versions/types.js";
import { realPartAvailable } from "./support/real-parts.js";

/**
 * The shared comparison vectors (OSV's, Apache-2.0; `a < b`, `a = b` or `a > b` per line): every
 * line must hold, and so must its reverse. One test per file and ecosystem, reporting every failing
 * line at once.
 */
const VECTORS = resolve("../shared/versions");
const vectorsHere = realPartAvailable("the shared version vectors", VECTORS, "check out ../shared beside the repository", "read");

const FILES: [file: string, ecosystem: string][] = [
  ["debian-versions.txt", "Debian"],
  ["debian-versions-generated.txt", "Debian:12"],
  ["redhat-versions.txt", "Red Hat"],
  ["alpine-versions.txt", "Alpine"],
  ["alpine-versions-generated.txt", "Alpine:v3.20"],
  ["semver-versions.txt", "npm"],
  ["semver-versions.txt", "Go"],
  ["pypi-versions.txt", "PyPI"],
  ["pypi-versions-generated.txt", "PyPI"],
  ["maven-versions.txt", "Maven"],
  ["maven-versions-generated.txt", "Maven"],
  ["nuget-versions.txt", "NuGet"],
  ["rubygems-versions.txt", "RubyGems"],
  ["rubygems-versions-generated.txt", "RubyGems"],
];

const EXPECTED: Record<string, Comparison> = { "<": -1, "=": 0, ">": 1 };
const SYMBOL = { "-1": "<", "0": "=", "1": ">" } as const;

interface Vector {
  line: number;
  a: string;
  b: string;
  expected: Comparison;
}

/** Lines of `a OP b`; `#` and `//` lines are comments (the files use both), blank lines skipped. */
function readVectors(file: string): { vectors: Vector[]; unreadable: string[] } {
  const vectors: Vector[] = [];
  const unreadable: string[] = [];
  readFileSync(resolve(VECTORS, file), "utf8")
    .split("\n")
    .forEach((text, index) => {
      const line = text.trim();
      if (line === "" || line.startsWith("#") || line.startsWith("//")) return;
      const [a, operator, b, ...extra] = line.split(" ");
      const expected = operator === undefined ? undefined : EXPECTED[operator];
      if (a === undefined || b === undefined || expected === undefined || extra.length > 0) unreadable.push(`${index + 1}: ${line}`);
      else vectors.push({ line: index + 1, a, b, expected });
    });
  return { vectors, unreadable };
}

describe.skipIf(!vectorsHere)("version vectors", () => {
  for (const [file, ecosystem] of FILES) {
    it(`${file} holds for ${ecosystem}, both ways round`, () => {
      const { vectors, unreadable } = readVectors(file);
      const failures: string[] = [];
      for (const { line, a, b, expected } of vectors) {
        const forward = compareVersions(ecosystem, a, b);
        const backward = compareVersions(ecosystem, b, a);
        if (forward !== expected) failures.push(`${line}: ${a} ${SYMBOL[expected]} ${b}, but got ${SYMBOL[forward]}`);
        if (backward !== -expected)
          failures.push(`${line} reversed: ${b} ${SYMBOL[(0 - expected) as Comparison]} ${a}, but got ${SYMBOL[backward]}`);
      }
      console.log(`${file} (${ecosystem}): ${vectors.length} vectors checked both ways, ${failures.length} failures`);
      expect(unreadable).toEqual([]);
      expect(vectors.length).toBeGreaterThan(10);
      expect(failures).toEqual([]);
    });
  }
});
