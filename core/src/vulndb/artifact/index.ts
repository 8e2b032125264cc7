export { type CachedDatabase, cachedDatabases } from "./cache.js";
export { ARTIFACT_TYPE, LAYER_MEDIA_TYPE, LAYER_TITLE } from "./manifest.js";
export { type PulledDatabase, pullDatabase } from "./pull.js";
export { type PushedDatabase, pushDatabase } from "./push.js";
