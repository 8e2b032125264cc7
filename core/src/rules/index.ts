import { ignoreWithoutReason } from "./inline-ignores.js";
import { hostNamespaces, hostPathVolumes, privilegedContainer } from "./pod-security.js";
import type { ManifestRule } from "./types.js";

export { runRules } from "./engine.js";
export {
  DEFAULT_RULE_OPTIONS,
  type ManifestRule,
  type PssLevel,
  type PssVersion,
  type RuleContext,
  type RuleOptions,
  type Violation,
} from "./types.js";

/** Every built-in manifest rule, in the order they are listed. */
export const BUILT_IN_RULES: readonly ManifestRule[] = [privilegedContainer, hostNamespaces, hostPathVolumes, ignoreWithoutReason];
