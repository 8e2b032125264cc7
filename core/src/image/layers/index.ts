export { defaultCacheDir, MAX_CACHE_ENTRY_BYTES } from "./cache.js";
export { type Compression, compressionOf } from "./decompress.js";
export { DEFAULT_MAX_LAYER_BYTES, WalkedFiles, type WalkOptions, type WalkSkips, walkLayers } from "./walk.js";
