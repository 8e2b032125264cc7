import type { Advisory, EpssScore, KevEntry } from "../types.js";
import { canonicalCveId } from "./cve-id.js";

/**
 * The advisory with the KEV entry and EPSS score of the CVEs it is about: its id, its
 * aliases and what it relates to (a Debian DLA or an Ubuntu USN names many upstream CVEs).
 * Of several, KEV is the earliest added (ties: the first named), EPSS the highest score: the
 * advisory is as urgent as its most urgent CVE. Pure: the input is not changed, and any
 * previous `kev`/`epss` is replaced by what these catalogs say.
 */
export function enrichAdvisory(advisory: Advisory, kev: Map<string, KevEntry>, epss: Map<string, EpssScore>): Advisory {
  const cves = cveIdsOf(advisory);
  const kevEntry = earliestAdded(cves.flatMap((cve) => kev.get(cve) ?? []));
  const epssScore = highestScore(cves.flatMap((cve) => epss.get(cve) ?? []));
  const { kev: _previousKev, epss: _previousEpss, ...rest } = advisory;
  return { ...rest, ...(kevEntry && { kev: kevEntry }), ...(epssScore && { epss: epssScore }) };
}

/** The distinct CVE ids among the id, aliases and related ids, in that order, upper case. */
export function cveIdsOf(advisory: Advisory): string[] {
  const ids = [advisory.id, ...advisory.aliases, ...advisory.related].flatMap((id) => canonicalCveId(id) ?? []);
  return [...new Set(ids)];
}

/** Of several KEV entries (one per CVE an advisory names), the one added first. */
export function earliestAdded(entries: KevEntry[]): KevEntry | undefined {
  return entries.reduce<KevEntry | undefined>((best, entry) => (best && best.dateAdded <= entry.dateAdded ? best : entry), undefined);
}

/** Of several EPSS scores, the highest. */
export function highestScore(scores: EpssScore[]): EpssScore | undefined {
  return scores.reduce<EpssScore | undefined>((best, score) => (best && best.score >= score.score ? best : score), undefined);
}
