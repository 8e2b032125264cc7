/** The result of comparing two versions: a before b, equal, a after b. */
export type Comparison = -1 | 0 | 1;

/**
 * One ecosystem's version ordering. Every module under core/src/versions/schemes/ exports one
 * of these; `compareVersions` picks the scheme by OSV ecosystem name.
 */
export interface VersionScheme {
  /** `dpkg`, `rpm`, `apk`, `semver`, `pep440`, `maven`, `go`, `nuget`, `rubygems`. */
  name: string;
  /** Total order over any strings: versions outside the grammar still compare (documented per scheme), never throw. */
  compare(a: string, b: string): Comparison;
  /** Whether `version` follows the grammar: a comparison of one that does not means little, and reports say so. */
  isValid(version: string): boolean;
}
