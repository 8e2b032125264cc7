export { isUserError, UserError } from "./errors.js";
export { evaluateGate } from "./gate/index.js";
export { type ImageInventory, type ImageInventoryOptions, inventoryImage } from "./image/inventory-image.js";
export { defaultCacheDir } from "./image/layers/index.js";
export { openImageSource, parseImageReference, parsePlatform } from "./image/sources/index.js";
export type { ImageFile, ImageLayer, ImageSource, Platform, ResolvedImage } from "./image/types.js";
export { renderSbom, SBOM_FORMATS, type SbomFormat } from "./inventory/sbom/index.js";
export type { InventoryPackage, OsInfo } from "./inventory/types.js";
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
