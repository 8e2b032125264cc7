import type { InventoryPackage, OsInfo } from "../../inventory/types.js";
import { EcosystemCatalog, type Lookup, lookupFor, type Unchecked } from "../../match/lookup.js";
import { packageKey } from "../db/package-key.js";

/** One package version to ask the OSV API about. */
export interface OsvQuery {
  ecosystem: string;
  name: string;
  version: string;
}

/** What to ask the API, and the ecosystems the online database says it holds. */
export interface QueryPlan {
  /** Distinct (names compared as `packageKey` does), in the packages' order. */
  queries: OsvQuery[];
  /** Sorted; the matcher's catalog, so that its lookups are the ones planned here. */
  ecosystems: string[];
}

/**
 * The API lists no ecosystems, so the ones to ask about are those a package names outright
 * (`PyPI`, `Debian:12`, `Ubuntu:22.04:LTS` and its `Ubuntu:Pro:` twin). Families whose
 * spellings must be picked from the list of a database's ecosystems (SUSE products, Red Hat
 * streams, Azure Linux releases) find none here, and the matcher notes them as unchecked.
 */
class NamedByPackages extends EcosystemCatalog {
  constructor() {
    super([]);
  }

  override has(): boolean {
    return true;
  }
}

function isLookup(lookup: Lookup | Unchecked): lookup is Lookup {
  return !("reason" in lookup);
}

/**
 * The (ecosystem, name, version) triples the matcher will look `packages` up by. The
 * ecosystems the packages name become the catalog, and the lookups are then made against it
 * exactly as `matchPackages` makes them against the online database's `ecosystems()`.
 */
export function planQueries(packages: readonly InventoryPackage[], os: OsInfo | undefined): QueryPlan {
  const named = new NamedByPackages();
  const ecosystems = [...new Set(packages.flatMap((found) => ecosystemsOf(lookupFor(found, os, named))))].sort();
  const catalog = new EcosystemCatalog(ecosystems);
  const queries = new Map<string, OsvQuery>();
  for (const lookup of packages.map((found) => lookupFor(found, os, catalog)).filter(isLookup)) {
    for (const ecosystem of lookup.ecosystems) {
      for (const { name, version } of lookup.queries) {
        const key = JSON.stringify([ecosystem, packageKey(ecosystem, name), version]);
        if (!queries.has(key)) queries.set(key, { ecosystem, name, version });
      }
    }
  }
  return { queries: [...queries.values()], ecosystems };
}

function ecosystemsOf(lookup: Lookup | Unchecked): string[] {
  return isLookup(lookup) ? lookup.ecosystems : [];
}
