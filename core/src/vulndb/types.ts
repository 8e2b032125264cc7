import type { Severity } from "../model/severity.js";

/** One event of an OSV range; exactly one key is set. */
export type RangeEvent = { introduced: string } | { fixed: string } | { last_affected: string } | { limit: string };

/** An OSV `ECOSYSTEM` or `SEMVER` range (GIT ranges are dropped at ingestion: no commit is known for a package). */
export interface AffectedRange {
  type: "ECOSYSTEM" | "SEMVER";
  events: RangeEvent[];
}

/** A CVSS vector and the base score computed from it (the feed's own number is not trusted). */
export interface CvssRating {
  version: "2.0" | "3.0" | "3.1" | "4.0";
  vector: string;
  score: number;
}

/** A distro's or vendor's own rating (Debian urgency, Ubuntu priority, GHSA severity, Azure Linux severity), mapped to ours. */
export interface VendorRating {
  /** Who rated: `Debian`, `Ubuntu`, `GHSA`, `Azure Linux`, … */
  source: string;
  /** The label as the feed wrote it: `high`, `unimportant`, `Moderate`, … */
  label: string;
  severity: Severity;
}

/** Why an affected package has no fixed version: the distro will not fix it, postponed it, or has not decided yet. */
export type UnfixedState = "will-not-fix" | "fix-deferred" | "affected";

/** One package an advisory affects, in one ecosystem. */
export interface AffectedPackage {
  /** The OSV ecosystem as the record wrote it, release included: `Debian:12`, `Alpine:v3.20`, `PyPI`, `Azure Linux:3.0`. */
  ecosystem: string;
  /** As the feed names it (the source package for distros); `packageKey` normalises it for lookup. */
  name: string;
  ranges: AffectedRange[];
  /** The explicit `versions` list, possibly empty. */
  versions: string[];
  /** A per-package rating (`ecosystem_specific` / `database_specific` of the affected entry). */
  vendorRating?: VendorRating;
  /** Set only when no range has a fix: why. */
  unfixedState?: UnfixedState;
}

/** A CISA Known Exploited Vulnerabilities catalog entry. */
export interface KevEntry {
  cve: string;
  dateAdded: string;
  dueDate?: string;
  /** `Known` or `Unknown`, as the catalog says. */
  knownRansomwareCampaignUse?: string;
}

/** A FIRST EPSS score for a CVE on the day of the file. */
export interface EpssScore {
  cve: string;
  /** Probability of exploitation activity in the next 30 days, 0..1. */
  score: number;
  percentile: number;
  date?: string;
}

/** One advisory, normalised from an OSV record or an OVAL definition. */
export interface Advisory {
  id: string;
  /** OSV `aliases` (CVE, GHSA, …), without the id itself. */
  aliases: string[];
  /** OSV `upstream` and `related`: what a distro advisory (DLA, USN) is about, used to join KEV and EPSS. */
  related: string[];
  /** The summary, or the first sentence of the details (at most 300 characters). */
  summary?: string;
  published?: string;
  modified: string;
  /** Withdrawn advisories are dropped at ingestion and counted; never stored. */
  cvss: CvssRating[];
  /** A record-level rating (`database_specific.severity`), when the feed gives one. */
  vendorRating?: VendorRating;
  /** The advisory's own page first, at most five URLs. */
  references: string[];
  affected: AffectedPackage[];
  kev?: KevEntry;
  epss?: EpssScore;
  /** Which feed it came from: `osv`, `oval:azurelinux`. */
  source: string;
}

/** What ingestion read, kept, skipped and why; every skip is counted, none is fatal. */
export interface IngestStats {
  /** Records read (files or zip entries, OVAL definitions). */
  read: number;
  /** Advisories kept. */
  kept: number;
  /** Records that failed schema validation or could not be parsed, by reason (first few examples). */
  invalid: number;
  invalidExamples: string[];
  withdrawn: number;
  /** Affected entries whose ecosystem no version scheme knows, by ecosystem name. */
  unknownEcosystems: Record<string, number>;
  /** GIT ranges dropped. */
  gitRanges: number;
  /** Records left with no affected package (none listed, or none in a known ecosystem): nothing to match, not kept. */
  noAffected: number;
  /** CVSS vectors that could not be scored (a base metric missing, a metric repeated), dropped from their advisory. */
  unscoredCvss: number;
}

export function emptyIngestStats(): IngestStats {
  return {
    read: 0,
    kept: 0,
    invalid: 0,
    invalidExamples: [],
    withdrawn: 0,
    unknownEcosystems: {},
    gitRanges: 0,
    noAffected: 0,
    unscoredCvss: 0,
  };
}
