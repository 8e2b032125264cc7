import semver from "semver";
import { memoize } from "../memo.js";
import type { VersionScheme } from "../types.js";
import { semverScheme } from "./semver.js";

/**
 * Go versions: module versions are semantic versions with a `v` (taken with or without it;
 * `+incompatible` is build metadata, so ignored; pseudo-versions such as
 * `v0.0.0-20240101120000-abcdef123456` are pre-releases and order as such). The toolchain's own
 * versions, which OSV uses for the `stdlib` and `toolchain` packages, are normalised first:
 * `go1.19.8` → `1.19.8`, `1.21` → `1.21.0`, `1.21rc2` → `1.21.0-rc.2`, `go1.9beta1` →
 * `1.9.0-beta.1`. Then semver.ts orders them (a shortened `v1.2` is `v1.2.0` there too).
 */
export const goScheme: VersionScheme = {
  name: "go",
  // Go module and toolchain versions reach us as `v1.2.3`, which semver accepts.
  isValid: (version) => semver.valid(version) !== null,
  compare(a, b) {
    return semverScheme.compare(normalise(a), normalise(b));
  },
};

const TOOLCHAIN = /^(?:go)?(\d+)\.(\d+)(?:\.(\d+))?(?:(alpha|beta|rc)(\d+))?$/;

const normalise = memoize((version: string): string => {
  const trimmed = version.trim();
  const toolchain = TOOLCHAIN.exec(trimmed);
  if (!toolchain) return trimmed.replace(/^go(?=\d)/, "");
  const [, major, minor, patch = "0", stage, number] = toolchain;
  return `${major}.${minor}.${patch}${stage ? `-${stage}.${number}` : ""}`;
});
