import pep440 from "@renovatebot/pep440";
import semver from "semver";
import { versionSchemeFor } from "../versions/index.js";

/**
 * Whether a version follows its scheme's grammar. The schemes order every string (a malformed
 * version still gets a documented place), so matching never fails on one; but a comparison
 * of a malformed version means little, and the report says how many there were.
 */
const READABLE: Record<string, (version: string) => boolean> = {
  pep440: (version) => pep440.valid(version) !== null,
  // npm and crates.io publish strict semantic versions; Go module and toolchain versions reach
  // us as `v1.2.3` (the Go binary analyzer writes stdlib's that way too), which semver accepts.
  semver: (version) => semver.valid(version) !== null,
  go: (version) => semver.valid(version) !== null,
  // Debian Policy 5.6.12: the upstream version must start with a digit; apk's grammar likewise.
  dpkg: (version) => /^(?:\d+:)?\d[A-Za-z0-9.+~:-]*$/.test(version),
  apk: (version) => /^\d/.test(version),
  // NuGet's grammar: up to four numbers, a pre-release label, build metadata.
  nuget: (version) => /^\d+(?:\.\d+){0,3}(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/.test(version),
  // Gem::Version::ANCHORED_VERSION_PATTERN.
  rubygems: (version) => /^[0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/.test(version),
  // rpm and Maven read every non-empty string as a version.
  rpm: (version) => version !== "",
  maven: (version) => version !== "",
};

/** Whether `ecosystem`'s version scheme can read `version` (the ecosystem must have a scheme). */
export function isReadableVersion(ecosystem: string, version: string): boolean {
  const check = READABLE[versionSchemeFor(ecosystem).name];
  return check === undefined || check(version);
}
