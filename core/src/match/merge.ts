import { baseEcosystem, type VersionScheme } from "../versions/index.js";
import { compareStrings } from "../versions/order.js";
import { canonicalCveId } from "../vulndb/enrich/cve-id.js";
import { earliestAdded, highestScore } from "../vulndb/enrich/join.js";
import type { Advisory, UnfixedState, VendorRating } from "../vulndb/types.js";
import { rateMatch } from "./severity.js";
import type { VulnerabilityMatch } from "./types.js";

/** One advisory that affects the installed version of a package. */
export interface Hit {
  advisory: Advisory;
  /** The smallest fix above the installed version it gives, if any. */
  fixedVersion?: string;
  /** Why it gives no fix, as the affected entry says. */
  unfixedState?: UnfixedState;
  /** The vendor's rating of this package, from the affected entry. */
  packageRating?: VendorRating;
}

/** A match before it is tied to a package: several packages built from one source share it. */
export type SharedMatch = Omit<VulnerabilityMatch, "package">;

/**
 * Each ecosystem's own advisory databases, by id prefix: their advisories are the most specific
 * about its packages, so they name a finding. GitHub's (GHSA) come next for every ecosystem.
 */
const HOME_PREFIXES: Record<string, readonly string[]> = {
  PyPI: ["PYSEC"],
  Go: ["GO"],
  "crates.io": ["RUSTSEC"],
  Debian: ["DSA", "DLA", "DTSA", "DEBIAN"],
  Ubuntu: ["USN", "UBUNTU"],
  Alpine: ["ALPINE"],
  "Red Hat": ["RHSA", "RHBA", "RHEA"],
  "Rocky Linux": ["RLSA", "RXSA"],
  AlmaLinux: ["ALSA", "ALBA", "ALEA"],
  SUSE: ["SUSE", "openSUSE"],
  openSUSE: ["openSUSE", "SUSE"],
  "Azure Linux": ["AZL"],
  Mariner: ["AZL"],
  Wolfi: ["CGA"],
  Chainguard: ["CGA"],
};

/**
 * One finding per vulnerability: hits that share an id or alias, directly or through other
 * advisories of the package (PYSEC ↔ GHSA ↔ CVE), are merged. `unaffecting` are the package's
 * advisories that do not affect the installed version: they only link ids (their aliases are
 * the vulnerability's whatever the version), and give the finding nothing else. `ecosystem`
 * is the package's, `scheme` orders its versions.
 */
export function mergeHits(hits: readonly Hit[], unaffecting: readonly Advisory[], ecosystem: string, scheme: VersionScheme): SharedMatch[] {
  if (hits.length === 0) return [];
  const ranked = [...hits].sort(
    (a, b) => rank(a.advisory, ecosystem) - rank(b.advisory, ecosystem) || compareStrings(a.advisory.id, b.advisory.id),
  );
  return groupsOf(ranked, unaffecting).map(({ hits: group, names }) => findingOf(group, names, scheme));
}

/** 0: the ecosystem's own database (or a non-OSV feed, which is always the distribution's); 1: GHSA; 2: others; 3: CVE records. */
function rank(advisory: Advisory, ecosystem: string): number {
  const prefix = advisory.id.slice(0, advisory.id.indexOf("-"));
  if (advisory.source !== "osv" || HOME_PREFIXES[baseEcosystem(ecosystem)]?.includes(prefix)) return 0;
  if (prefix === "GHSA") return 1;
  return canonicalCveId(advisory.id) ? 3 : 2;
}

/**
 * The ids an advisory goes by: its own, its aliases, and the CVE a per-CVE distro record is
 * named after (`DEBIAN-CVE-2023-1234`, `UBUNTU-CVE-…`, `ALPINE-CVE-…` list it only as `upstream`).
 * Other `upstream` and `related` ids are not names of it: a DSA or USN covers many CVEs.
 */
function namesOf(advisory: Advisory): string[] {
  const named = /-(CVE-\d{4}-\d{4,})$/i.exec(advisory.id)?.[1];
  return named === undefined ? [advisory.id, ...advisory.aliases] : [advisory.id, ...advisory.aliases, named];
}

/** Ids compare without case (feeds differ in how they spell GHSA ids), CVE ids in their canonical form. */
function idKey(id: string): string {
  return id.toUpperCase();
}

interface Group {
  hits: Hit[];
  /** Every id of its advisories, the unaffecting ones that link it included. */
  names: string[];
}

/**
 * The hits in connected groups (union-find over shared ids, through the unaffecting advisories
 * too), each group's hits and the groups in rank order.
 */
function groupsOf(ranked: Hit[], unaffecting: readonly Advisory[]): Group[] {
  const advisories = [...ranked.map((hit) => hit.advisory), ...unaffecting];
  const parent = advisories.map((_, index) => index);
  const root = (index: number): number => {
    let at = index;
    while (parent[at] !== at) at = parent[at] as number;
    return at;
  };
  const owner = new Map<string, number>();
  advisories.forEach((advisory, index) => {
    for (const id of namesOf(advisory)) {
      const known = owner.get(idKey(id));
      if (known === undefined) owner.set(idKey(id), index);
      else {
        // The better-ranked (lower) index stays the root, so each group's first hit names it.
        const [low, high] = [root(known), root(index)].sort((a, b) => a - b) as [number, number];
        parent[high] = low;
      }
    }
  });
  const groups = new Map<number, Group>();
  advisories.forEach((advisory, index) => {
    const group = groups.get(root(index)) ?? { hits: [], names: [] };
    groups.set(root(index), group);
    const hit = ranked[index];
    if (hit) group.hits.push(hit);
    group.names.push(...namesOf(advisory));
  });
  return [...groups.values()].filter((group) => group.hits.length > 0);
}

function findingOf(group: Hit[], names: string[], scheme: VersionScheme): SharedMatch {
  const [primary] = group as [Hit, ...Hit[]];
  const id = primary.advisory.id;
  const fixedVersion = smallestFix(group, scheme);
  const summary = group.find((hit) => hit.advisory.summary !== undefined)?.advisory.summary;
  const kev = earliestAdded(group.flatMap((hit) => hit.advisory.kev ?? []));
  const epss = highestScore(group.flatMap((hit) => hit.advisory.epss ?? []));
  return {
    id,
    aliases: aliasesOf(names, id),
    ...(summary !== undefined && { summary }),
    ...rateMatch({
      packageRatings: group.flatMap((hit) => hit.packageRating ?? []),
      advisoryRatings: group.flatMap((hit) => hit.advisory.vendorRating ?? []),
      cvss: group.flatMap((hit) => hit.advisory.cvss),
    }),
    ...(fixedVersion !== undefined
      ? { fixedVersion }
      : { unfixedState: group.find((hit) => hit.unfixedState !== undefined)?.unfixedState ?? "affected" }),
    ...(kev && { kev }),
    ...(epss && { epss }),
    references: distinct(group.flatMap((hit) => hit.advisory.references)),
    advisories: distinct(group.map((hit) => hit.advisory.id)),
  };
}

/**
 * The smallest fix any merged advisory gives: the nearest upgrade that at least one source
 * calls fixed. Should another source disagree, the next scan still reports it, with that
 * source's fix.
 */
function smallestFix(group: Hit[], scheme: VersionScheme): string | undefined {
  return group.reduce<string | undefined>((best, hit) => {
    const fix = hit.fixedVersion;
    return fix !== undefined && (best === undefined || scheme.compare(fix, best) < 0) ? fix : best;
  }, undefined);
}

/** Every other id of the group, once each (ignoring case), CVE ids first, then in alphabetical order. */
function aliasesOf(names: string[], id: string): string[] {
  const byKey = new Map<string, string>();
  for (const alias of names) {
    const spelled = canonicalCveId(alias) ?? alias;
    if (!byKey.has(idKey(spelled))) byKey.set(idKey(spelled), spelled);
  }
  byKey.delete(idKey(id));
  const isCve = (alias: string) => canonicalCveId(alias) !== undefined;
  return [...byKey.values()].sort((a, b) => Number(isCve(b)) - Number(isCve(a)) || compareStrings(a, b));
}

function distinct(values: string[]): string[] {
  return [...new Set(values)];
}
