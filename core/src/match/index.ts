export { type AffectedVerdict, isAffected } from "./affected.js";
export { matchPackages } from "./match.js";
export type { MatchOptions, MatchResult, VulnerabilityMatch } from "./types.js";
