/**
 * An OSV record as the OSV schema (core/schema/osv.schema.json) describes it: only the fields
 * ingestion reads. A value of this type has passed schema validation.
 */
export interface OsvRecord {
  id: string;
  modified: string;
  published?: string;
  withdrawn?: string;
  aliases?: string[] | null;
  related?: string[];
  upstream?: string[];
  summary?: string;
  details?: string;
  severity?: OsvSeverity[] | null;
  affected?: OsvAffected[] | null;
  references?: OsvReference[] | null;
  database_specific?: Record<string, unknown>;
}

export interface OsvSeverity {
  type: "CVSS_V2" | "CVSS_V3" | "CVSS_V4" | "Ubuntu";
  score: string;
}

export interface OsvAffected {
  package?: { ecosystem: string; name: string; purl?: string };
  severity?: OsvSeverity[] | null;
  ranges?: OsvRange[];
  versions?: string[];
  ecosystem_specific?: Record<string, unknown>;
  database_specific?: Record<string, unknown>;
}

export interface OsvRange {
  type: "GIT" | "SEMVER" | "ECOSYSTEM";
  repo?: string;
  /** Each event has exactly one of `introduced`, `fixed`, `last_affected`, `limit`. */
  events: Array<Partial<Record<"introduced" | "fixed" | "last_affected" | "limit", string>>>;
}

export interface OsvReference {
  type: string;
  url: string;
}
