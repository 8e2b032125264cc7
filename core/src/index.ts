export { isUserError, UserError } from "./errors.js";
export { evaluateGate } from "./gate/index.js";
export * from "./manifests/index.js";
export * from "./model/index.js";
export * from "./report/index.js";
export {
  BUILT_IN_RULES,
  DEFAULT_RULE_OPTIONS,
  type ManifestRule,
  type PssLevel,
  type PssVersion,
  type RuleContext,
  type RuleOptions,
  runRules,
  type Violation,
} from "./rules/index.js";
export { DEFAULT_FAIL_ON, type ScanOptions, scan, toSourcePath } from "./scan.js";
export { TOOL } from "./version.js";
