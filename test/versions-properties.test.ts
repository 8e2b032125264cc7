import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { apkScheme } from "../core/src/versions/schemes/apk.js";
import { dpkgScheme } from "../core/src/versions/schemes/dpkg.js";
import { goScheme } from "../core/src/versions/schemes/go.js";
import { mavenScheme } from "../core/src/versions/schemes/maven.js";
import { nugetScheme } from "../core/src/versions/schemes/nuget.js";
import { pep440Scheme } from "../core/src/versions/schemes/pep440.js";
import { rpmScheme } from "../core/src/versions/schemes/rpm.js";
import { rubygemsScheme } from "../core/src/versions/schemes/rubygems.js";
import { semverScheme } from "../core/src/versions/schemes/semver.js";
import type { VersionScheme } from "../core/src/versions/types.js";
import { dpkgVersion, EQUIVALENT_REWRITES, rpmVersion } from "./support/native-versions.js";

/**
 * Every scheme must be a total order on realistic versions: reflexive, antisymmetric, transitive,
 * and "equal" must mean interchangeable. Versions are drawn from small alphabets so that ties and
 * near-ties are common, and malformed ones are mixed in where a scheme has a rule for them.
 */

const number = fc.constantFrom("0", "1", "2", "10", "01", "00", "20240101", "123456789012345678901234567890");
const optional = (arbitrary: fc.Arbitrary<string>) => fc.option(arbitrary, { nil: "" });
const concat = (...parts: fc.Arbitrary<string>[]) => fc.tuple(...parts).map((strings) => strings.join(""));
const dotted = (part: fc.Arbitrary<string>, min: number, max: number, separator = ".") =>
  fc.array(part, { minLength: min, maxLength: max }).map((parts) => parts.join(separator));

const apkVersion = concat(
  dotted(number, 1, 4),
  optional(fc.constantFrom("a", "b", "z")),
  fc
    .array(concat(fc.constantFrom("_alpha", "_beta", "_pre", "_rc", "_cvs", "_svn", "_git", "_hg", "_p"), optional(number)), {
      maxLength: 2,
    })
    .map((s) => s.join("")),
  optional(fc.constantFrom("~0a", "~abc123", "~ff")),
  optional(concat(fc.constant("-r"), optional(number))),
  optional(fc.constantFrom("_blah", "A", "-ruff", "..1", "-r0-1", "9", ".r1")),
);

const prerelease = dotted(fc.constantFrom("alpha", "beta", "rc", "RC", "0", "1", "10", "x-y", "01"), 1, 3);
const npmVersion = fc.oneof(
  concat(
    optional(fc.constantFrom("v", "=")),
    dotted(number, 3, 3),
    optional(concat(fc.constant("-"), prerelease)),
    optional(fc.constantFrom("+build", "+1.2")),
  ),
  // What `semver` rejects but advisories and lock files still carry.
  concat(dotted(number, 1, 5), optional(concat(fc.constant("-"), prerelease))),
  fc.constantFrom("latest", "", "x.y.z", "*"),
);

const goVersion = fc.oneof(
  concat(
    fc.constantFrom("v", ""),
    dotted(number, 3, 3),
    optional(concat(fc.constant("-"), prerelease)),
    optional(fc.constant("+incompatible")),
  ),
  concat(
    fc.constant("v0.0.0-"),
    fc.constantFrom("20240101120000", "20230101000000"),
    fc.constant("-"),
    fc.constantFrom("abcdef123456", "0123456789ab"),
  ),
  concat(
    fc.constantFrom("go", ""),
    fc.constantFrom("1", "1.21", "1.19.8", "1.21.0", "1.9"),
    optional(fc.constantFrom("rc1", "rc2", "beta1")),
  ),
);

const pep440Version = fc.oneof(
  concat(
    optional(fc.constantFrom("1!", "0!")),
    dotted(number, 1, 4),
    optional(concat(fc.constantFrom("a", "b", "rc", "alpha", ".beta", "c", "pre", "-preview"), optional(number))),
    optional(concat(fc.constantFrom(".post", "-", "post", ".r"), number)),
    optional(concat(fc.constantFrom(".dev", "dev"), optional(number))),
    optional(fc.constantFrom("+local", "+local.1", "+1", "+a.b")),
  ),
  fc.constantFrom("0.9-ivysaur", "1.0-bulbasaur", "2004d", "dev", "-class.-jw"),
);

/**
 * Maven's own order is not transitive when `.qualifier` and `-qualifier` meet after the same
 * prefix (see maven.ts), so qualifiers here come after `-` or a letter, as published versions
 * keep them; `.Final` and friends are null and trimmed.
 */
const mavenVersion = concat(
  dotted(number, 1, 4),
  optional(
    fc.constantFrom(
      "-SNAPSHOT",
      "-alpha-1",
      "-beta2",
      "-rc1",
      "-RC1",
      "-M1",
      "-1",
      "-20240101",
      ".Final",
      ".RELEASE",
      ".GA",
      "a1",
      "-sp1",
      "-foo",
    ),
  ),
  optional(fc.constantFrom("-SNAPSHOT", "-1")),
);

const nugetVersion = fc.oneof(
  concat(dotted(number, 1, 4), optional(concat(fc.constant("-"), prerelease)), optional(fc.constantFrom("+build", "+SHA.1"))),
  fc.constantFrom("1.2.3.4.5", "v1.0", "", "not-a-version"),
);

const rubygemsVersion = fc.oneof(
  concat(dotted(fc.oneof(number, fc.constantFrom("a", "b", "pre", "rc1", "beta")), 1, 5), optional(fc.constantFrom("-1", "-rc1"))),
  fc.constantFrom("1..2", "a.b", "", "1.2 3"),
);

const withLeadingZero = (version: string) => version.replace(/\d+/, (digits) => `0${digits}`);
const append = (ending: string) => (version: string) => `${version}${ending}`;
const prepend = (start: string) => (version: string) => `${start}${version}`;
const upper = (version: string) => version.toUpperCase();

/** Each scheme, realistic versions, and rewrites that often keep a version's place (to make ties). */
const SCHEMES: [VersionScheme, fc.Arbitrary<string>, ((version: string) => string)[]][] = [
  [dpkgScheme, dpkgVersion, [...EQUIVALENT_REWRITES, append("-0")]],
  [rpmScheme, rpmVersion, [...EQUIVALENT_REWRITES, (version) => version.replace(".", "_")]],
  [apkScheme, apkVersion, [withLeadingZero, (version) => version.replace(/-r$/, "-r0")]],
  [semverScheme, npmVersion, [prepend("v"), append("+build.7"), withLeadingZero]],
  [goScheme, goVersion, [prepend("v"), (version) => version.replace(/^v/, ""), append("+incompatible")]],
  [pep440Scheme, pep440Version, [upper, prepend("v"), append(".0"), withLeadingZero]],
  [mavenScheme, mavenVersion, [upper, append(".0"), append("-ga"), withLeadingZero]],
  [nugetScheme, nugetVersion, [upper, append("+meta"), withLeadingZero]],
  [rubygemsScheme, rubygemsVersion, [append(".0"), withLeadingZero]],
];

const RUNS = 3000;

/** Three versions; the second or third is often a rewrite of the one before it. */
function triples(version: fc.Arbitrary<string>, rewrites: ((version: string) => string)[]): fc.Arbitrary<[string, string, string]> {
  return fc
    .tuple(version, version, version, fc.constantFrom(...rewrites), fc.constantFrom("independent", "b from a", "c from b"))
    .map(([a, b, c, rewrite, shape]): [string, string, string] => {
      if (shape === "b from a") return [a, rewrite(a), c];
      if (shape === "c from b") return [a, b, rewrite(b)];
      return [a, b, c];
    });
}

describe("every scheme is a total order on realistic versions", () => {
  SCHEMES.forEach(([scheme, version, rewrites], index) => {
    it(`${scheme.name}: reflexive, antisymmetric, transitive, and equal means interchangeable`, () => {
      const { compare } = scheme;
      const outcomes = { less: 0, equal: 0, greater: 0, "equal but different": 0 };
      fc.assert(
        fc.property(triples(version, rewrites), ([a, b, c]) => {
          const ab = compare(a, b);
          outcomes[ab < 0 ? "less" : ab > 0 ? "greater" : "equal"]++;
          if (ab === 0 && a !== b) outcomes["equal but different"]++;
          expect(compare(a, a)).toBe(0);
          expect(compare(b, a) + ab).toBe(0);
          const bc = compare(b, c);
          const ac = compare(a, c);
          if (ab <= 0 && bc <= 0) expect(ac).toBeLessThanOrEqual(0);
          if (ab >= 0 && bc >= 0) expect(ac).toBeGreaterThanOrEqual(0);
          if (ab === 0) expect(ac).toBe(bc);
        }),
        { numRuns: RUNS, seed: 4400 + index },
      );
      console.log(`${scheme.name}: ${RUNS} triples; first pairs ${JSON.stringify(outcomes)}`);
      // Enough ties between different strings for the "equal" property to mean something.
      expect(outcomes["equal but different"]).toBeGreaterThan(RUNS / 50);
    });
  });
});
