import { baseEcosystem } from "../../versions/index.js";
import type { OsvAffected, OsvRecord, OsvSeverity } from "./types.js";

/** A vendor's rating label as an OSV record wrote it, before it is mapped to our severity. */
export interface VendorLabel {
  source: string;
  label: string;
}

/**
 * Per-package rating fields, by the ecosystem whose records carry them: Debian's urgency
 * (`ecosystem_specific.urgency`, written by osv.dev's converter of the Debian security
 * tracker for DEBIAN-CVE records) and Ubuntu's priority (`ecosystem_specific.ubuntu_priority`
 * of older UBUNTU-CVE records; newer ones use a severity of type `Ubuntu`). Go, Alpine and
 * SUSE records carry no rating (Go's `database_specific` holds only its URL and review status).
 */
const PACKAGE_RATING_FIELDS: ReadonlyArray<{ ecosystem: string; field: string; source: string }> = [
  { ecosystem: "Debian", field: "urgency", source: "Debian" },
  { ecosystem: "Ubuntu", field: "ubuntu_priority", source: "Ubuntu" },
];

/**
 * The record-level rating: a severity of type `Ubuntu` (the one non-CVSS type the schema has),
 * or GitHub's own severity in `database_specific.severity` of a GHSA record.
 */
export function recordLabel(record: OsvRecord): VendorLabel | undefined {
  const ubuntu = ubuntuSeverity(record.severity);
  if (ubuntu) return ubuntu;
  const severity = record.database_specific?.severity;
  if (record.id.startsWith("GHSA-") && typeof severity === "string") return { source: "GHSA", label: severity };
  return undefined;
}

/** The rating of one affected package, from its own severity list or its ecosystem's rating field. */
export function packageLabel(affected: OsvAffected): VendorLabel | undefined {
  const ubuntu = ubuntuSeverity(affected.severity);
  if (ubuntu) return ubuntu;
  const ecosystem = affected.package ? baseEcosystem(affected.package.ecosystem) : undefined;
  for (const { field, source } of PACKAGE_RATING_FIELDS.filter((rated) => rated.ecosystem === ecosystem)) {
    const label = affected.ecosystem_specific?.[field] ?? affected.database_specific?.[field];
    if (typeof label === "string" && label !== "") return { source, label };
  }
  return undefined;
}

function ubuntuSeverity(severities: OsvSeverity[] | null | undefined): VendorLabel | undefined {
  const ubuntu = severities?.find((severity) => severity.type === "Ubuntu");
  return ubuntu ? { source: "Ubuntu", label: ubuntu.score } : undefined;
}
