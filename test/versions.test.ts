import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { baseEcosystem, compareVersions, isKnownEcosystem, versionSchemeFor } from "../core/src/versions/index.js";
import type { Comparison } from "../core/src/versions/types.js";
import { realPartAvailable } from "./support/real-parts.js";

const SHARED = resolve("../shared");
const sharedHere = realPartAvailable("../shared", SHARED, "check out ../shared beside the repository", "read");

/** The OSV ecosystems each scheme must serve (the task's list). */
const SCHEME_OF: Record<string, string> = {
  Debian: "dpkg",
  Ubuntu: "dpkg",
  "Red Hat": "rpm",
  AlmaLinux: "rpm",
  "Rocky Linux": "rpm",
  SUSE: "rpm",
  openSUSE: "rpm",
  "Azure Linux": "rpm",
  Mariner: "rpm",
  "Photon OS": "rpm",
  openEuler: "rpm",
  Mageia: "rpm",
  Alpine: "apk",
  Wolfi: "apk",
  Chainguard: "apk",
  npm: "semver",
  "crates.io": "semver",
  PyPI: "pep440",
  Maven: "maven",
  Go: "go",
  NuGet: "nuget",
  RubyGems: "rubygems",
};

/** `a < b < c …` as each ecosystem's rules define it, and every pair in it checked both ways. */
function expectAscending(ecosystem: string, ...versions: string[]): void {
  for (let i = 0; i < versions.length; i++) {
    for (let j = 0; j < versions.length; j++) {
      const expected = Math.sign(i - j) as Comparison;
      expect(compareVersions(ecosystem, versions[i] as string, versions[j] as string), `${versions[i]} vs ${versions[j]}`).toBe(expected);
    }
  }
}

function expectEqual(ecosystem: string, ...versions: string[]): void {
  for (const a of versions) for (const b of versions) expect(compareVersions(ecosystem, a, b), `${a} vs ${b}`).toBe(0);
}

describe("ecosystems", () => {
  it("every OSV ecosystem of the task has its scheme", () => {
    for (const [ecosystem, scheme] of Object.entries(SCHEME_OF)) {
      expect(isKnownEcosystem(ecosystem)).toBe(true);
      expect(versionSchemeFor(ecosystem).name, ecosystem).toBe(scheme);
    }
  });

  it.skipIf(!sharedHere)("registers the names as OSV spells them (Mariner being the old name of Azure Linux)", () => {
    const osv = JSON.parse(readFileSync(resolve(SHARED, "osv/ecosystems.json"), "utf8")) as Record<string, string>;
    const unknown = Object.keys(SCHEME_OF).filter((ecosystem) => !Object.hasOwn(osv, ecosystem));
    expect(unknown).toEqual(["Mariner"]);
  });

  it("ignores the release suffix: only the name before the first colon counts", () => {
    const scoped: [string, string, string, string][] = [
      ["Debian:12", "Debian", "1.0~rc1", "1.0"],
      ["Ubuntu:22.04:LTS", "Ubuntu", "2.0-1ubuntu1", "2.0-1"],
      ["Alpine:v3.20", "Alpine", "1.2_rc1", "1.2"],
      ["Azure Linux:3.0", "Azure Linux", "1.0-1.azl3", "1.0-2.azl3"],
      ["Red Hat:enterprise_linux:9::appstream", "Red Hat", "1:1.0-1.el9", "2.0-1.el9"],
      ["SUSE:SUSE Linux Enterprise Server 15 SP7", "SUSE", "1.0-150700.1.1", "1.0-150700.1.2"],
    ];
    for (const [ecosystem, base, a, b] of scoped) {
      expect(baseEcosystem(ecosystem)).toBe(base);
      expect(isKnownEcosystem(ecosystem)).toBe(true);
      expect(compareVersions(ecosystem, a, b)).toBe(compareVersions(base, a, b));
      expect(compareVersions(ecosystem, a, b)).not.toBe(0);
    }
  });

  it("throws on an ecosystem it has no scheme for, naming it", () => {
    for (const ecosystem of ["Packagist", "", "debian", "DEBIAN:12", "constructor", "__proto__", "toString", ":Debian"]) {
      expect(isKnownEcosystem(ecosystem)).toBe(false);
      expect(() => compareVersions(ecosystem, "1", "2")).toThrow(`unknown ecosystem "${ecosystem}"`);
    }
  });
});

describe("each ecosystem's own rules", () => {
  it("Debian: epoch first, ~ before anything, letters before other characters, numbers by value", () => {
    expectAscending("Debian", "1.0~~", "1.0~rc1", "1.0", "1.0a", "1.0+b1", "1.0.1", "1.10", "1:0.1");
    expectEqual("Debian", "1.0", "0:1.0", "1.0-0", "01.00");
  });

  it("RPM: missing epoch is 0, ~ before and ^ after the release it modifies, a missing release first", () => {
    expectAscending("Red Hat", "1.0~rc1", "1.0", "1.0-1", "1.0^git1", "1.0.1", "1.0.1a", "1.1", "1:0.1");
    expectEqual("Rocky Linux", "2.0-1.el9", "0:2.0-1.el9", "2_0-1_el9", "2.00-01.el9");
  });

  it("Alpine: pre-release suffixes, letters, post-release suffixes and revisions in apk's order", () => {
    expectAscending("Alpine", "1.2_alpha", "1.2_beta2", "1.2_pre", "1.2_rc1", "1.2", "1.2-r1", "1.2_p1", "1.2a", "1.2.1", "1.10");
    expectEqual("Wolfi", "1.2-r0", "1.2-r", "01.2-r00");
  });

  it("npm and crates.io: semver precedence, build metadata ignored, a leading v accepted", () => {
    expectAscending(
      "npm",
      "1.0.0-alpha",
      "1.0.0-alpha.1",
      "1.0.0-alpha.beta",
      "1.0.0-beta.2",
      "1.0.0-beta.11",
      "1.0.0-rc.1",
      "1.0.0",
      "1.0.1",
    );
    expectEqual("crates.io", "1.2.3", "v1.2.3", "1.2.3+build.5", "=1.2.3");
  });

  it("npm: strings semver rejects read loosely, and what does not start with a number sorts first", () => {
    expectAscending("npm", "", "latest", "0.0.0", "1.2", "1.2.1", "1.2.1.4", "1.2.1.5", "99999999999999999999.0.0");
    expectEqual("npm", "1.2", "1.2.0", "v1.2.0");
  });

  it("Go: modules with or without v, +incompatible ignored, pseudo-versions as pre-releases, toolchain versions", () => {
    expectAscending(
      "Go",
      "v0.0.0-20240101120000-abcdef123456",
      "v0.0.1",
      "v1.2.3",
      "v1.2.4-0.20240101120000-abcdef123456",
      "v1.2.4",
      "v2.0.0+incompatible",
      "v2.0.1",
    );
    expectEqual("Go", "v2.0.0+incompatible", "v2.0.0", "2.0.0");
    expectAscending("Go", "go1.9beta1", "go1.9rc1", "1.9", "1.19.8", "1.21rc1", "1.21rc2", "1.21", "go1.21.1");
    expectEqual("Go", "go1.19.8", "1.19.8", "v1.19.8");
    expectEqual("Go", "1.21", "1.21.0", "go1.21.0");
  });

  it("PyPI: PEP 440 order, spellings normalised, legacy strings first and by string", () => {
    expectAscending("PyPI", "1.0.dev1", "1.0a1", "1.0b2", "1.0rc1", "1.0", "1.0+local", "1.0.post1", "1.1", "1!0.1");
    expectEqual("PyPI", "1.0a1", "1.0.ALPHA1", "1.0-a.1", "v1.0a1", " 1.0a1 ", "1.0.0a1");
    expectAscending("PyPI", "-class.-jw", "0.9-ivysaur", "1.0-bulbasaur", "0.0.0.dev0");
  });

  it("Maven: qualifier order, trailing nulls trimmed, numbers after qualifiers", () => {
    expectAscending(
      "Maven",
      "1.0-alpha-1",
      "1.0-beta-1",
      "1.0-milestone-1",
      "1.0-rc-1",
      "1.0-SNAPSHOT",
      "1.0",
      "1.0-sp-1",
      "1.0-whatever",
      "1.0-1",
      "1.0.1",
    );
    expectEqual("Maven", "1", "1.0", "1.0.0", "1-ga", "1.0.0.Final", "1.RELEASE", "1-0");
    expectEqual("Maven", "1.0-cr1", "1.0-RC1", "1.0rc1");
  });

  it("Maven: the intransitive corner of Maven's own rules is kept, not smoothed over", () => {
    expect(compareVersions("Maven", "5.0.0.Alpha1", "5.0.0")).toBe(-1);
    expect(compareVersions("Maven", "5.0.0", "5.0.0-1")).toBe(-1);
    expect(compareVersions("Maven", "5.0.0-1", "5.0.0.Alpha1")).toBe(-1);
  });

  it("NuGet: four numbers, case-insensitive labels, metadata ignored, what NuGet rejects first", () => {
    expectAscending("NuGet", "not-a-version", "1.0.0-alpha", "1.0.0-BETA", "1.0.0-beta.2", "1.0.0-beta.10", "1.0.0", "1.0.0.1", "1.0.1");
    expectEqual("NuGet", "1.0", "1.0.0.0", "1.00.0", "1.0.0+build.7");
    expectEqual("NuGet", "2.0.0-RC.1", "2.0.0-rc.1");
  });

  it("RubyGems: letters mark pre-releases, trailing zeros ignored, malformed strings first", () => {
    expectAscending("RubyGems", "1..2", "1.0.a", "1.0.b1", "1.0.rc1", "1.0", "1.0.1", "1.10");
    expectEqual("RubyGems", "1", "1.0", "1.0.0", " 1.0 ");
    expectEqual("RubyGems", "", "0", "0.0");
  });
});

/** What a hostile or broken feed might hold: empty, control characters, other scripts, megabytes. */
const HOSTILE = [
  "",
  " ",
  "\t\n",
  "\0",
  "1\u0000.0",
  "１.２.３",
  "1.0-ü~é",
  "💥",
  "1".repeat(100_000),
  ".".repeat(100_000),
  "-".repeat(100_000),
  "~".repeat(100_000),
  "^".repeat(100_000),
  "1.".repeat(50_000),
  "1-".repeat(50_000),
  `${"0-".repeat(50_000)}1`,
  `${"1.0".repeat(30_000)}x`,
  "-r".repeat(50_000),
  "_p1".repeat(30_000),
  "a1".repeat(50_000),
  "1:".repeat(50_000),
  "1!".repeat(50_000),
  `v${"1.".repeat(50_000)}x`,
  `1-${"-".repeat(100_000)}!`,
  `1.0${"+local".repeat(20_000)}`,
];

describe("hostile versions", () => {
  it("every scheme orders them without throwing, stays antisymmetric, and keeps to time", () => {
    const started = performance.now();
    let comparisons = 0;
    for (const ecosystem of ["Debian", "Red Hat", "Alpine", "npm", "Go", "PyPI", "Maven", "NuGet", "RubyGems"]) {
      HOSTILE.forEach((hostile, index) => {
        expect(compareVersions(ecosystem, hostile, hostile), `${ecosystem}: ${hostile.slice(0, 20)} against itself`).toBe(0);
        for (const other of ["1.0", "1.0-1", "", HOSTILE[(index + 1) % HOSTILE.length] as string]) {
          const forward = compareVersions(ecosystem, hostile, other);
          expect([-1, 0, 1]).toContain(forward);
          expect(
            compareVersions(ecosystem, other, hostile) + forward,
            `${ecosystem}: ${hostile.slice(0, 20)} vs ${other.slice(0, 20)}`,
          ).toBe(0);
          comparisons += 2;
        }
      });
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`${comparisons} comparisons of hostile versions (up to 100 KB) in ${seconds.toFixed(2)} s`);
    // Parsing is linear (about 20 ms for 100 KB here); anything quadratic would take minutes.
    expect(seconds).toBeLessThan(30);
  });
});

describe("each scheme knows its own grammar", () => {
  const cases: [ecosystem: string, valid: string, invalid: string][] = [
    ["Debian:12", "1:2.36-9+deb12u4", "bad-version"],
    ["Alpine:v3.20", "1.2.3_rc1-r0", "r1.2"],
    ["PyPI", "1.26.12", "1.26.12-ivysaur"],
    ["npm", "1.2.3-beta.1", "1.2"],
    ["Go", "v1.19.8", "1.19"],
    ["NuGet", "1.2.3.4-beta", "1.2.3.4.5"],
    ["RubyGems", "1.2.3.pre", "1..2"],
    ["Red Hat", "0:1.2-3.el9", ""],
    ["Maven", "1.0-SNAPSHOT", ""],
  ];
  it.each(cases)("%s accepts %s and refuses %j", (ecosystem, valid, invalid) => {
    expect(versionSchemeFor(ecosystem).isValid(valid)).toBe(true);
    expect(versionSchemeFor(ecosystem).isValid(invalid)).toBe(false);
  });
});
