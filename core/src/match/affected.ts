import { type Comparison, type VersionScheme, versionSchemeFor } from "../versions/index.js";
import { semverScheme } from "../versions/schemes/semver.js";
import type { AffectedPackage, AffectedRange, RangeEvent } from "../vulndb/types.js";

export interface AffectedVerdict {
  affected: boolean;
  /** The smallest `fixed` version above the installed one that is not affected itself. */
  fixedVersion?: string;
}

type EventKind = "introduced" | "fixed" | "last_affected" | "limit";

/**
 * Whether `version` of a package is affected, by the OSV schema's evaluation: listed exactly in
 * `versions`, or inside any range. Each range's events are read in version order (`introduced:
 * "0"` lowest; events of equal versions in the record's order): `introduced` opens (inclusive),
 * `fixed` closes (exclusive), `last_affected` closes after its version; a range with `limit`
 * events covers only versions below one of them (`*` is infinity). SEMVER ranges are compared as
 * semantic versions (a leading `v` tolerated), ECOSYSTEM ranges by `ecosystem`'s scheme.
 *
 * `fixedVersion` is the smallest `fixed` above the version that is itself not affected: a
 * record may re-open the flaw at the very version one segment fixes it (pyspark's
 * PYSEC-2022-236 fixes 3.1.1 and introduces it again at 3.1.1), and that is no fix to install.
 */
export function isAffected(affected: AffectedPackage, ecosystem: string, version: string): AffectedVerdict {
  if (!isIncluded(affected, ecosystem, version)) return { affected: false };
  const fixedVersion = fixes(affected, ecosystem, version).find((fix) => !isIncluded(affected, ecosystem, fix));
  return fixedVersion === undefined ? { affected: true } : { affected: true, fixedVersion };
}

function isIncluded(affected: AffectedPackage, ecosystem: string, version: string): boolean {
  return affected.versions.includes(version) || affected.ranges.some((range) => inRange(range, schemeOf(range, ecosystem), version));
}

function schemeOf(range: AffectedRange, ecosystem: string): VersionScheme {
  return range.type === "SEMVER" ? semverScheme : versionSchemeFor(ecosystem);
}

/** The `fixed` versions above `version` in every range, smallest first. */
function fixes(affected: AffectedPackage, ecosystem: string, version: string): string[] {
  const above = affected.ranges.flatMap((range) => {
    const scheme = schemeOf(range, ecosystem);
    return range.events.flatMap((event) => ("fixed" in event && scheme.compare(version, event.fixed) < 0 ? [event.fixed] : []));
  });
  // Ranges of both types are rare; their fixes are ordered as the ecosystem orders versions.
  const scheme = affected.ranges.some((range) => range.type === "ECOSYSTEM") ? versionSchemeFor(ecosystem) : semverScheme;
  return above.sort((a, b) => scheme.compare(a, b));
}

/**
 * The schema's IncludedInRanges for one range, without sorting: the version is compared with
 * each event once; of the events it has passed, the one latest in version order decides.
 * Nothing is allocated per event: matching runs this for every advisory of every package.
 */
function inRange(range: AffectedRange, scheme: VersionScheme, version: string): boolean {
  let limited = false;
  let belowALimit = false;
  let decidingKind: EventKind | undefined;
  let decidingVersion = "";
  for (const event of range.events) {
    const kind = kindOf(event);
    const at = versionOf(event);
    if (kind === "limit") {
      limited = true;
      belowALimit ||= at.includes("*") || scheme.compare(version, at) < 0;
      continue;
    }
    const position = isLowest(kind, at) ? 1 : scheme.compare(version, at);
    if (!passed(kind, position)) continue;
    // `>= 0`: of equal versions the later event in the record wins, as a stable sort orders them.
    if (decidingKind === undefined || compareEvents(scheme, kind, at, decidingKind, decidingVersion) >= 0) {
      decidingKind = kind;
      decidingVersion = at;
    }
  }
  return (!limited || belowALimit) && decidingKind === "introduced";
}

/** Whether the version is at or past an event: `introduced` and `fixed` from their version on, `last_affected` only above it. */
function passed(kind: EventKind, position: Comparison): boolean {
  return kind === "last_affected" ? position > 0 : position >= 0;
}

/** `introduced: "0"` sorts before every version. */
function isLowest(kind: EventKind, version: string): boolean {
  return kind === "introduced" && version === "0";
}

function compareEvents(scheme: VersionScheme, aKind: EventKind, a: string, bKind: EventKind, b: string): Comparison {
  const aLowest = isLowest(aKind, a);
  const bLowest = isLowest(bKind, b);
  if (aLowest || bLowest) return aLowest === bLowest ? 0 : aLowest ? -1 : 1;
  return scheme.compare(a, b);
}

function kindOf(event: RangeEvent): EventKind {
  if ("introduced" in event) return "introduced";
  if ("fixed" in event) return "fixed";
  if ("last_affected" in event) return "last_affected";
  return "limit";
}

function versionOf(event: RangeEvent): string {
  if ("introduced" in event) return event.introduced;
  if ("fixed" in event) return event.fixed;
  if ("last_affected" in event) return event.last_affected;
  return event.limit;
}
