/** A JSON or YAML object (not an array, not null): what parsed documents are checked with before reading fields. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
