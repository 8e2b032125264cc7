import type { Advisory, IngestStats } from "../types.js";
import { countInvalid, normaliseOsvRecord } from "./normalise.js";
import { parseRecord } from "./parse.js";
import { recordSource } from "./sources.js";

export { normaliseOsvRecord } from "./normalise.js";

/**
 * The advisories of OSV records under `paths`, one at a time: each path is a directory
 * (searched recursively for `*.json`, `*.yaml`, `*.yml`), an OSV export zip (its `*.json`
 * entries) or one record file. Every path is checked before the first record is read; a
 * missing or unusable path, or a damaged or hostile archive, is a UserError. A record that
 * cannot be parsed or used is counted in `stats` and skipped.
 */
export async function* readOsvRecords(paths: readonly string[], stats: IngestStats): AsyncGenerator<Advisory> {
  const sources = await Promise.all(paths.map(recordSource));
  for (const records of sources) {
    for await (const raw of records()) {
      stats.read++;
      if ("problem" in raw) {
        countInvalid(stats, raw.origin, raw.problem);
        continue;
      }
      const parsed = parseRecord(raw.bytes, raw.format);
      if (!parsed.parsed) {
        countInvalid(stats, raw.origin, parsed.problem);
        continue;
      }
      const advisory = normaliseOsvRecord(parsed.value, raw.origin, stats);
      if (advisory) yield advisory;
    }
  }
}
