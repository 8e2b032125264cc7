import type { InventoryPackage } from "../inventory/types.js";
import type { Severity } from "../model/severity.js";
import type { CvssRating, EpssScore, KevEntry, UnfixedState } from "../vulndb/types.js";

/** One vulnerability of one installed package: the advisories about it merged into one finding. */
export interface VulnerabilityMatch {
  package: InventoryPackage;
  /** The id of the most specific source (a distro advisory for a distro package, PYSEC or GHSA for PyPI, GO-… for Go). */
  id: string;
  /** Every other id naming the same vulnerability (CVE, GHSA, PYSEC, DLA …), CVE ids first. */
  aliases: string[];
  summary?: string;
  severity: Severity;
  /** Whose rating `severity` is: `Debian`, `GHSA`, `Azure Linux`, … , `CVSS 3.1`, or `unrated`. */
  severitySource: string;
  /** The CVSS rating shown: the newest CVSS version, then the highest base score. */
  cvss?: CvssRating;
  /** The smallest version any merged advisory calls fixed above the installed one. */
  fixedVersion?: string;
  /** Set only without a fixed version: whether the distribution will fix it. */
  unfixedState?: UnfixedState;
  kev?: KevEntry;
  epss?: EpssScore;
  references: string[];
  /** The database advisory ids merged into this match, the one giving `id` first. */
  advisories: string[];
}

export interface MatchOptions {
  /** Drop matches that have no fixed version. */
  onlyFixed?: boolean;
}

export interface MatchResult {
  matches: VulnerabilityMatch[];
  /** One line each: what could not be checked, and why. */
  notes: string[];
}
