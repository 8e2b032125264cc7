export { canonicalCveId } from "./cve-id.js";
export { type EpssFile, readEpssScores } from "./epss.js";
export { cveIdsOf, enrichAdvisory } from "./join.js";
export { type KevCatalog, readKevCatalog } from "./kev.js";
