export { type BuildOptions, buildDatabase } from "./build.js";
export {
  type AdvisorySourceSummary,
  type DatabaseMetadata,
  type EcosystemSummary,
  type EpssSourceSummary,
  type FileChecksum,
  type KevSourceSummary,
  SCHEMA_VERSION,
  type SourceSummary,
} from "./format.js";
export { openDatabase, type VulnerabilityDatabase, verifyDatabase } from "./open.js";
export { packageKey } from "./package-key.js";
export { type WriteOptions, writeDatabase } from "./write.js";
