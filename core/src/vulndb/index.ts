export * from "./artifact/index.js";
export * from "./db/index.js";
export { type EpssFile, enrichAdvisory, type KevCatalog, readEpssScores, readKevCatalog } from "./enrich/index.js";
export * from "./online/index.js";
export { readOsvRecords } from "./osv/index.js";
export { type AzureLinuxOval, readAzureLinuxOval } from "./oval/index.js";
export {
  DEFAULT_DB_REPOSITORY,
  databaseCacheDir,
  type ResolvedDatabase,
  type ResolveOptions,
  resolveDatabase,
  STALE_AFTER_HOURS,
} from "./resolve.js";
export * from "./types.js";
