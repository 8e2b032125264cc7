export * from "./finding.js";
export * from "./fingerprint.js";
export * from "./report.js";
export * from "./rule.js";
export * from "./severity.js";
