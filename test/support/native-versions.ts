import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import fc from "fast-check";
import type { Comparison } from "../../core/src/versions/types.js";

/**
 * The real dpkg and rpm as oracles for version order, and realistic version strings to feed them:
 * what packages carry (`1:2.30-4+deb12u1`, `2:1.2.3-4.el9_2`) and the characters that decide
 * corner cases (`~`, `+`, `^`, leading zeros, letters against digits).
 */

export const DPKG = "/usr/bin/dpkg";
export const RPM = "/usr/bin/rpm";

const run = promisify(execFile);

/** A run of the pieces, joined; pieces are drawn small so that pairs often share prefixes. */
function joined(pieces: fc.Arbitrary<string>, minLength: number, maxLength: number): fc.Arbitrary<string> {
  return fc.array(pieces, { minLength, maxLength }).map((parts) => parts.join(""));
}

const number = fc.constantFrom("0", "1", "2", "9", "10", "01", "00", "123", "20240101");
const letters = fc.constantFrom("a", "b", "z", "A", "Z", "rc", "deb", "ubuntu", "el", "git");

/** Debian `[epoch:]upstream[-revision]`; upstream starts with a digit, as dpkg requires. */
export const dpkgVersion: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom("", "", "", "0:", "1:", "2:", "10:"),
    number,
    // dpkg warns about `ü` but compares it, byte by byte.
    joined(fc.oneof(number, letters, fc.constantFrom(".", ".", "+", "~", "~~", "-", "ü")), 0, 6),
    fc.option(joined(fc.oneof(number, letters, fc.constantFrom(".", "+", "~")), 1, 5), { nil: undefined }),
  )
  // Without a revision a trailing `-` would leave an empty one, which dpkg refuses outright.
  .map(([epoch, first, rest, revision]) => `${epoch}${first}${revision === undefined ? rest.replace(/-+$/, "") : `${rest}-${revision}`}`);

/** RPM `[epoch:]version[-release]`, with rpm's `~` (pre-release) and `^` (post-release). */
export const rpmVersion: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom("", "", "", "0:", "1:", "2:", "01:"),
    joined(fc.oneof(number, letters, fc.constantFrom(".", ".", "_", "+", "~", "^")), 1, 6),
    fc.option(joined(fc.oneof(number, letters, fc.constantFrom(".", "_", "~", "^")), 1, 5), { nil: undefined }),
  )
  .map(([epoch, version, release]) => `${epoch}${version}${release === undefined ? "" : `-${release}`}`);

/**
 * Pairs that are often close: two independent versions, or one and a tweak of it (a suffix, or a
 * rewrite that should not change its place, such as an explicit `0:` epoch), in either order.
 */
export function versionPairs(
  version: fc.Arbitrary<string>,
  tweaks: readonly ((version: string) => string)[],
): fc.Arbitrary<[string, string]> {
  const tweaked = fc.tuple(version, fc.constantFrom(...tweaks), fc.boolean()).map(([a, tweak, swap]): [string, string] => {
    const b = tweak(a);
    return swap ? [b, a] : [a, b];
  });
  return fc.oneof(fc.tuple(version, version), tweaked);
}

/** Rewrites that keep a version's place in both dpkg's and rpm's order. */
export const EQUIVALENT_REWRITES = [
  (version: string) => (version.includes(":") ? version : `0:${version}`),
  (version: string) => version.replace(/\d+/, (digits) => `0${digits}`),
];

/** Writes the pairs, one `a b` line each, to a temporary file for `use`, then removes it. */
async function withPairsFile<T>(pairs: readonly [string, string][], use: (file: string) => Promise<T>): Promise<T> {
  if (pairs.some(([a, b]) => /\s/.test(a + b))) throw new Error("versions for the oracles must not contain white space");
  const dir = mkdtempSync(join(tmpdir(), "portcullis-versions-"));
  try {
    const file = join(dir, "pairs.txt");
    writeFileSync(file, pairs.map(([a, b]) => `${a} ${b}\n`).join(""));
    return await use(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads one verdict per pair; anything else is an error naming the pair. */
function verdicts(
  output: string,
  pairs: readonly [string, string][],
  tool: string,
  read: (line: string) => Comparison | undefined,
): Comparison[] {
  const lines = output.trim().split("\n");
  if (lines.length !== pairs.length) throw new Error(`${tool} gave ${lines.length} verdicts for ${pairs.length} pairs`);
  return lines.map((line, index) => read(line) ?? fail(`${tool} could not compare ${pairs[index]?.join(" and ")}: "${line}"`));
}

const SYMBOLS: Record<string, Comparison> = { "<": -1, "=": 0, ">": 1 };

/**
 * dpkg's verdict on each pair. dpkg compares one pair per process, so a shell loop runs
 * `dpkg --compare-versions` (exit 0 true, 1 false, 2 refused), a share of the pairs in each of two
 * shells at once.
 */
export async function dpkgVerdicts(pairs: readonly [string, string][]): Promise<Comparison[]> {
  const loop = `while read -r a b; do
    ${DPKG} --compare-versions "$a" lt "$b" 2>/dev/null; lt=$?
    if [ $lt = 1 ]; then ${DPKG} --compare-versions "$a" eq "$b" 2>/dev/null; eq=$?; fi
    if [ $lt = 0 ]; then echo "<"; elif [ $lt = 1 ] && [ $eq = 0 ]; then echo "="; elif [ $lt = 1 ] && [ $eq = 1 ]; then echo ">"; else echo "refused"; fi
  done < "$1"`;
  const half = Math.ceil(pairs.length / 2);
  const shares = [pairs.slice(0, half), pairs.slice(half)];
  const results = await Promise.all(
    shares.map((share) =>
      withPairsFile(share, async (file) =>
        verdicts((await run("sh", ["-c", loop, "sh", file])).stdout, share, "dpkg", (line) => SYMBOLS[line]),
      ),
    ),
  );
  return results.flat();
}

const RPM_VERDICTS: Record<string, Comparison> = { "-1": -1, "0": 0, "1": 1 };

/** rpm's verdict on each pair: one `rpm --eval` whose Lua reads the pairs and calls `rpm.vercmp`. */
export async function rpmVerdicts(pairs: readonly [string, string][]): Promise<Comparison[]> {
  return withPairsFile(pairs, async (file) => {
    const lua = `%{lua: for line in io.lines("${file}") do local a, b = line:match("^(%S+) (%S+)$"); io.write(rpm.vercmp(a, b), "\\n") end}`;
    const { stdout } = await run(RPM, ["--eval", lua], { maxBuffer: 16 * 1024 * 1024 });
    return verdicts(stdout, pairs, "rpm", (line) => RPM_VERDICTS[line]);
  });
}

function fail(message: string): never {
  throw new Error(message);
}
