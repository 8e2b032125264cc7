import { compareStrings } from "../../versions/order.js";
import type { EcosystemSummary } from "../db/format.js";
import { packageKey } from "../db/package-key.js";
import type { Advisory, AffectedPackage } from "../types.js";

/** A package's place in the store: JSON, so that no name can run into the ecosystem. */
function storeKey(ecosystem: string, name: string): string {
  return JSON.stringify([ecosystem, packageKey(ecosystem, name)]);
}

/**
 * The advisories of the packages asked about, kept in memory and answered as the offline
 * database answers: per package (`packageKey`), each advisory's `affected` restricted to that
 * package's entries, sorted by id. Packages nobody asked about are not kept: their advisories
 * would be only the ones some other query happened to bring.
 */
export class AdvisoryStore {
  private readonly packages = new Map<string, Map<string, Advisory>>();
  private readonly asked: ReadonlySet<string>;

  constructor(asked: Iterable<{ ecosystem: string; name: string }>) {
    this.asked = new Set([...asked].map(({ ecosystem, name }) => storeKey(ecosystem, name)));
  }

  add(advisory: Advisory): void {
    const groups = new Map<string, AffectedPackage[]>();
    for (const entry of advisory.affected) {
      const key = storeKey(entry.ecosystem, entry.name);
      if (this.asked.has(key)) groups.set(key, [...(groups.get(key) ?? []), entry]);
    }
    for (const [key, affected] of groups) {
      const stored = this.packages.get(key) ?? new Map<string, Advisory>();
      this.packages.set(key, stored.set(advisory.id, { ...advisory, affected }));
    }
  }

  advisoriesFor(ecosystem: string, name: string): Advisory[] {
    const stored = this.packages.get(storeKey(ecosystem, name));
    if (stored === undefined) return [];
    return [...stored.values()].sort((a, b) => compareStrings(a.id, b.id));
  }

  /** Distinct advisory ids kept. */
  advisoryCount(): number {
    return new Set([...this.packages.values()].flatMap((stored) => [...stored.keys()])).size;
  }

  /** Packages with at least one advisory. */
  packageCount(): number {
    return this.packages.size;
  }

  /** Per ecosystem in `ecosystems`, as metadata counts them; an online store has no index, so no index location. */
  summaries(ecosystems: readonly string[]): Record<string, EcosystemSummary> {
    const ids = new Map<string, Set<string>>(ecosystems.map((ecosystem) => [ecosystem, new Set<string>()]));
    const packages = new Map<string, number>(ecosystems.map((ecosystem) => [ecosystem, 0]));
    for (const [key, stored] of this.packages) {
      const [ecosystem] = JSON.parse(key) as [string];
      for (const id of stored.keys()) ids.get(ecosystem)?.add(id);
      packages.set(ecosystem, (packages.get(ecosystem) ?? 0) + 1);
    }
    // fromEntries, not assignment: an ecosystem named "__proto__" must stay a plain key.
    return Object.fromEntries(
      ecosystems.map((ecosystem) => [
        ecosystem,
        { advisories: ids.get(ecosystem)?.size ?? 0, packages: packages.get(ecosystem) ?? 0, index: { offset: 0, length: 0 } },
      ]),
    );
  }

  clear(): void {
    this.packages.clear();
  }
}
