import { apkScheme } from "./schemes/apk.js";
import { dpkgScheme } from "./schemes/dpkg.js";
import { goScheme } from "./schemes/go.js";
import { mavenScheme } from "./schemes/maven.js";
import { nugetScheme } from "./schemes/nuget.js";
import { pep440Scheme } from "./schemes/pep440.js";
import { rpmScheme } from "./schemes/rpm.js";
import { rubygemsScheme } from "./schemes/rubygems.js";
import { semverScheme } from "./schemes/semver.js";
import type { Comparison, VersionScheme } from "./types.js";

export type { Comparison, VersionScheme } from "./types.js";

/**
 * OSV ecosystem name (the part before the first `:`) → its version scheme, one module per scheme
 * under ./schemes/.
 */
const SCHEMES: Record<string, VersionScheme> = {
  Debian: dpkgScheme,
  Ubuntu: dpkgScheme,
  "Red Hat": rpmScheme,
  AlmaLinux: rpmScheme,
  "Rocky Linux": rpmScheme,
  SUSE: rpmScheme,
  openSUSE: rpmScheme,
  "Azure Linux": rpmScheme,
  // CBL-Mariner's advisories before the rename to Azure Linux.
  Mariner: rpmScheme,
  "Photon OS": rpmScheme,
  openEuler: rpmScheme,
  Mageia: rpmScheme,
  Alpine: apkScheme,
  Wolfi: apkScheme,
  Chainguard: apkScheme,
  npm: semverScheme,
  "crates.io": semverScheme,
  PyPI: pep440Scheme,
  Maven: mavenScheme,
  Go: goScheme,
  NuGet: nugetScheme,
  RubyGems: rubygemsScheme,
};

/** `Debian:12` → `Debian`; `Ubuntu:22.04:LTS` → `Ubuntu`. */
export function baseEcosystem(ecosystem: string): string {
  const colon = ecosystem.indexOf(":");
  return colon === -1 ? ecosystem : ecosystem.slice(0, colon);
}

export function isKnownEcosystem(ecosystem: string): boolean {
  return Object.hasOwn(SCHEMES, baseEcosystem(ecosystem));
}

/** The scheme for an OSV ecosystem (a release suffix is ignored); throws on an unknown ecosystem. */
export function versionSchemeFor(ecosystem: string): VersionScheme {
  const scheme = SCHEMES[baseEcosystem(ecosystem)];
  if (!scheme || !Object.hasOwn(SCHEMES, baseEcosystem(ecosystem)))
    throw new Error(`unknown ecosystem "${ecosystem}": no version scheme for it`);
  return scheme;
}

/** Orders two versions of `ecosystem` (OSV name, e.g. `Debian:12`, `PyPI`); throws on an unknown ecosystem. */
export function compareVersions(ecosystem: string, a: string, b: string): Comparison {
  return versionSchemeFor(ecosystem).compare(a, b);
}
