import { baseEcosystem, isKnownEcosystem } from "../../versions/index.js";
import { cvssRating } from "../cvss.js";
import type { Advisory, AffectedPackage, AffectedRange, CvssRating, IngestStats, RangeEvent, UnfixedState } from "../types.js";
import { unfixedStateOfLabel, vendorRating } from "../vendor-ratings.js";
import { packageLabel, recordLabel, type VendorLabel } from "./ratings.js";
import { checkOsvRecord } from "./schema.js";
import type { OsvAffected, OsvRange, OsvRecord, OsvReference } from "./types.js";

/** How many `origin: reason` examples of invalid records the stats keep. */
const MAX_INVALID_EXAMPLES = 10;
const SUMMARY_LIMIT = 300;
const REFERENCE_LIMIT = 5;
const EVENT_KEYS = ["introduced", "fixed", "last_affected", "limit"] as const;

/**
 * One OSV record (parsed JSON or YAML) as an Advisory, or undefined when it is not kept:
 * invalid against the OSV schema, withdrawn, or left with no affected package in an ecosystem
 * we have a version scheme for. Every such record is counted in `stats`; none throws.
 * `origin` names where the record came from in the examples of invalid records.
 */
export function normaliseOsvRecord(record: unknown, origin: string, stats: IngestStats): Advisory | undefined {
  const { rest, gitRanges } = withoutGitRanges(record);
  const check = checkOsvRecord(rest);
  if (!check.valid) {
    countInvalid(stats, origin, check.problem);
    return undefined;
  }
  stats.gitRanges += gitRanges;
  const osv = check.record;
  if (osv.withdrawn !== undefined) {
    stats.withdrawn++;
    return undefined;
  }
  const rated = recordLabel(osv);
  const kept = (osv.affected ?? []).filter((entry) => inKnownEcosystem(entry, stats));
  const affected = kept.flatMap((entry) => affectedPackage(entry, rated) ?? []);
  if (affected.length === 0) {
    stats.noAffected++;
    return undefined;
  }
  const advisory: Advisory = {
    id: osv.id,
    aliases: distinct(osv.aliases ?? []).filter((alias) => alias !== osv.id),
    related: distinct([...(osv.upstream ?? []), ...(osv.related ?? [])]).filter((related) => related !== osv.id),
    modified: osv.modified,
    cvss: cvssRatings(osv, kept, stats),
    references: references(osv.references ?? []),
    affected,
    source: "osv",
  };
  const summary = summaryOf(osv);
  if (summary !== undefined) advisory.summary = summary;
  if (osv.published !== undefined) advisory.published = osv.published;
  const rating = rated && vendorRating(rated.source, rated.label);
  if (rating) advisory.vendorRating = rating;
  stats.kept++;
  return advisory;
}

/** Counts a record that could not be used, keeping the first few `origin: reason` lines as examples. */
export function countInvalid(stats: IngestStats, origin: string, reason: string): void {
  stats.invalid++;
  if (stats.invalidExamples.length < MAX_INVALID_EXAMPLES) stats.invalidExamples.push(`${origin}: ${reason}`);
}

/** Entries of an ecosystem no version scheme orders cannot be matched: counted by ecosystem, dropped. */
function inKnownEcosystem(entry: OsvAffected, stats: IngestStats): boolean {
  if (entry.package && isKnownEcosystem(entry.package.ecosystem)) return true;
  const name = entry.package ? baseEcosystem(entry.package.ecosystem) : "(no package)";
  stats.unknownEcosystems[name] = (stats.unknownEcosystems[name] ?? 0) + 1;
  return false;
}

/** Undefined when nothing is left to match a version against (only GIT ranges, no versions). */
function affectedPackage(entry: OsvAffected, recordRated: VendorLabel | undefined): AffectedPackage | undefined {
  const { ecosystem, name } = entry.package as { ecosystem: string; name: string };
  const ranges = versionRanges(entry.ranges ?? []);
  const versions = entry.versions ?? [];
  if (ranges.length === 0 && versions.length === 0) return undefined;
  const affected: AffectedPackage = { ecosystem, name, ranges, versions };
  const rated = packageLabel(entry);
  const rating = rated && vendorRating(rated.source, rated.label);
  if (rating) affected.vendorRating = rating;
  // A fix recorded only as a commit (a GIT range) is still a fix: the package is not "unfixed".
  const fixed = (entry.ranges ?? []).some((range) => range.events.some((event) => event.fixed !== undefined));
  if (!fixed) affected.unfixedState = unfixedStateOf(rated ?? recordRated);
  return affected;
}

/** What the package's own label, else the record's, says about fixing; plain "affected" when nothing. */
function unfixedStateOf(rated: VendorLabel | undefined): UnfixedState {
  return (rated && unfixedStateOfLabel(rated.label)) ?? "affected";
}

/**
 * The record without its GIT ranges, which name commits no installed package has. They go
 * before validation: a malformed commit hash (real PyPA records have `195caac….patch`) must
 * not cost the package ranges beside it.
 */
function withoutGitRanges(record: unknown): { rest: unknown; gitRanges: number } {
  const affected = (record as { affected?: unknown } | null)?.affected;
  if (!Array.isArray(affected)) return { rest: record, gitRanges: 0 };
  let gitRanges = 0;
  const isGit = (range: unknown) => (range as { type?: unknown } | null)?.type === "GIT";
  const entries = affected.map((entry: unknown) => {
    const ranges = (entry as { ranges?: unknown } | null)?.ranges;
    if (!Array.isArray(ranges) || !ranges.some(isGit)) return entry;
    gitRanges += ranges.filter(isGit).length;
    const { ranges: _all, ...others } = entry as { ranges: unknown[] };
    const kept = ranges.filter((range) => !isGit(range));
    return kept.length > 0 ? { ...others, ranges: kept } : others;
  });
  return { rest: { ...(record as object), affected: entries }, gitRanges };
}

/** ECOSYSTEM and SEMVER ranges with their events (GIT ranges are gone before validation). */
function versionRanges(ranges: OsvRange[]): AffectedRange[] {
  return ranges.flatMap((range) => (range.type === "GIT" ? [] : [{ type: range.type, events: range.events.flatMap(rangeEvent) }]));
}

/** The schema lets an event carry fields beside its one event key; only that key is kept. */
function rangeEvent(event: OsvRange["events"][number]): RangeEvent[] {
  const key = EVENT_KEYS.find((candidate) => event[candidate] !== undefined);
  return key === undefined ? [] : [{ [key]: event[key] } as RangeEvent];
}

/** Every distinct CVSS vector of the record and of its kept packages, scored here. */
function cvssRatings(osv: OsvRecord, kept: OsvAffected[], stats: IngestStats): CvssRating[] {
  const severities = [...(osv.severity ?? []), ...kept.flatMap((entry) => entry.severity ?? [])];
  const vectors = distinct(severities.filter((severity) => severity.type !== "Ubuntu").map((severity) => severity.score));
  return vectors.flatMap((vector) => {
    const rating = cvssRating(vector);
    if (!rating) stats.unscoredCvss++;
    return rating ?? [];
  });
}

/** The advisory's own pages first, then the rest in the record's order, without repeats. */
function references(all: OsvReference[]): string[] {
  const advisories = all.filter((reference) => reference.type === "ADVISORY");
  const others = all.filter((reference) => reference.type !== "ADVISORY");
  return distinct([...advisories, ...others].map((reference) => reference.url)).slice(0, REFERENCE_LIMIT);
}

function summaryOf(osv: OsvRecord): string | undefined {
  const summary = collapsed(osv.summary ?? "") || firstSentence(collapsed(osv.details ?? ""));
  if (summary === "") return undefined;
  return summary.length <= SUMMARY_LIMIT ? summary : `${summary.slice(0, SUMMARY_LIMIT - 1).trimEnd()}…`;
}

const SENTENCES = new Intl.Segmenter("en", { granularity: "sentence" });

function firstSentence(text: string): string {
  const first = SENTENCES.segment(text)[Symbol.iterator]().next();
  return first.done ? "" : first.value.segment.trim();
}

/** Details are Markdown: line breaks and runs of blanks become single spaces. */
function collapsed(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function distinct(values: string[]): string[] {
  return [...new Set(values)];
}
