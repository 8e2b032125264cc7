import { API_VERSION_RULES } from "./api-versions.js";
import { EXPOSURE_RULES } from "./exposure.js";
import { IMAGE_HYGIENE_RULES } from "./image-hygiene.js";
import { ignoreWithoutReason } from "./inline-ignores.js";
import { POD_SECURITY_RULES } from "./pod-security/index.js";
import { RBAC_RULES } from "./rbac.js";
import { SENSITIVE_MOUNT_RULES } from "./sensitive-mounts.js";
import type { ManifestRule } from "./types.js";
import { WORKLOAD_HYGIENE_RULES } from "./workload-hygiene.js";

export { runRules } from "./engine.js";
export * from "./types.js";

/** Every built-in manifest rule, family by family, in the order `portcullis rules` lists them. */
export const BUILT_IN_RULES: readonly ManifestRule[] = [
  ...POD_SECURITY_RULES,
  ...SENSITIVE_MOUNT_RULES,
  ...IMAGE_HYGIENE_RULES,
  ...WORKLOAD_HYGIENE_RULES,
  ...RBAC_RULES,
  ...EXPOSURE_RULES,
  ...API_VERSION_RULES,
  ignoreWithoutReason,
];
