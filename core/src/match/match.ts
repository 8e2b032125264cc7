import type { InventoryPackage, OsInfo } from "../inventory/types.js";
import { bySeverityDescending } from "../model/severity.js";
import { versionSchemeFor } from "../versions/index.js";
import { compareStrings } from "../versions/order.js";
import type { VulnerabilityDatabase } from "../vulndb/db/index.js";
import type { Advisory, AffectedPackage } from "../vulndb/types.js";
import { isAffected } from "./affected.js";
import { EcosystemCatalog, type Lookup, lookupFor } from "./lookup.js";
import { type Hit, mergeHits, type SharedMatch } from "./merge.js";
import { MatchNotes } from "./notes.js";
import type { MatchOptions, MatchResult, VulnerabilityMatch } from "./types.js";

/**
 * The known vulnerabilities of an image's packages: each package is looked up in the database
 * (distro packages by source package and version in their release's ecosystems, language
 * packages by name), every advisory is evaluated against the installed version as the OSV
 * schema says, and the advisories about one vulnerability are merged into one match.
 * docs/vulnerabilities.md describes the rules. `notes` says what could not be checked.
 */
export function matchPackages(
  packages: readonly InventoryPackage[],
  os: OsInfo | undefined,
  db: VulnerabilityDatabase,
  options: MatchOptions = {},
): MatchResult {
  const catalog = new EcosystemCatalog(db.ecosystems());
  const notes = new MatchNotes();
  const advisories = new AdvisoryCache(db);
  // Binary packages built from one source share its lookup, evaluation and findings.
  const findingsByLookup = new Map<string, SharedMatch[]>();
  const matches: VulnerabilityMatch[] = [];
  for (const found of packages) {
    const lookup = lookupFor(found, os, catalog);
    if ("reason" in lookup) {
      notes.unchecked(lookup);
      continue;
    }
    const key = lookupKey(lookup);
    let findings = findingsByLookup.get(key);
    if (findings === undefined) {
      findings = findingsFor(lookup, advisories, notes);
      findingsByLookup.set(key, findings);
    }
    for (const finding of findings) {
      if (!options.onlyFixed || finding.fixedVersion !== undefined) matches.push({ package: found, ...finding });
    }
  }
  return { matches, notes: notes.lines() };
}

function lookupKey(lookup: Lookup): string {
  return JSON.stringify([lookup.ecosystems, lookup.queries.map((query) => [query.name, query.version])]);
}

/**
 * Longer than any real version (Debian's and Go's longest run to about 80 characters): such a
 * string is not compared at all, since every comparison would parse it anew.
 */
const VERSION_LENGTH_LIMIT = 256;

/** One package's advisories are read and inflated once, however many versions of it an image holds. */
class AdvisoryCache {
  private readonly read = new Map<string, Advisory[]>();

  constructor(private readonly db: VulnerabilityDatabase) {}

  of(ecosystem: string, name: string): Advisory[] {
    const key = `${ecosystem}\u0000${name}`;
    let advisories = this.read.get(key);
    if (advisories === undefined) {
      advisories = this.db.advisoriesFor(ecosystem, name);
      this.read.set(key, advisories);
    }
    return advisories;
  }
}

/** The package's findings, most severe first, then by id. */
function findingsFor(lookup: Lookup, advisories: AdvisoryCache, notes: MatchNotes): SharedMatch[] {
  const hits: Hit[] = [];
  const unaffecting: Advisory[] = [];
  for (const query of lookup.queries) {
    if (query.version.length > VERSION_LENGTH_LIMIT) {
      notes.tooLong(lookup.ecosystem, query.name, query.version.length);
      continue;
    }
    if (!versionSchemeFor(lookup.ecosystem).isValid(query.version)) notes.unreadable(lookup.ecosystem, query.name, query.version);
    for (const ecosystem of lookup.ecosystems) {
      for (const advisory of advisories.of(ecosystem, query.name)) {
        const hit = hitOf(advisory, query.version);
        if (hit) hits.push(hit);
        else unaffecting.push(advisory);
      }
    }
  }
  return mergeHits(hits, unaffecting, lookup.ecosystem, versionSchemeFor(lookup.ecosystem)).sort(
    (a, b) => bySeverityDescending(a.severity, b.severity) || compareStrings(a.id, b.id),
  );
}

/**
 * Whether the advisory affects `version`. Its `affected` holds only the looked-up package's
 * entries, all of one ecosystem; several entries are read as one, their ranges and versions a
 * union, so that a fix one entry gives is offered only when no other entry still holds it.
 */
function hitOf(advisory: Advisory, version: string): Hit | undefined {
  const first = advisory.affected[0];
  if (!first) return undefined;
  const entry: AffectedPackage =
    advisory.affected.length === 1
      ? first
      : {
          ...first,
          ranges: advisory.affected.flatMap((each) => each.ranges),
          versions: advisory.affected.flatMap((each) => each.versions),
        };
  const verdict = isAffected(entry, entry.ecosystem, version);
  if (!verdict.affected) return undefined;
  const unfixedState = advisory.affected.find((each) => each.unfixedState)?.unfixedState;
  const packageRating = advisory.affected.find((each) => each.vendorRating)?.vendorRating;
  return {
    advisory,
    ...(verdict.fixedVersion !== undefined && { fixedVersion: verdict.fixedVersion }),
    ...(unfixedState && { unfixedState }),
    ...(packageRating && { packageRating }),
  };
}
