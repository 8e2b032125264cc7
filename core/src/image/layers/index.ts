export { type Compression, compressionOf } from "./decompress.js";
export { DEFAULT_MAX_LAYER_BYTES, WalkedFiles, type WalkOptions, type WalkSkips, walkLayers } from "./walk.js";
