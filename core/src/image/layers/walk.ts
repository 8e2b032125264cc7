import { UserError } from "../../errors.js";
import type { FileExcerpt, FileWanted, ImageFile, ImageLayer } from "../types.js";
import { LayerCache, type RecordedEntry } from "./cache.js";
import { inflate } from "./decompress.js";
import { normaliseEntryPath } from "./paths.js";
import { type TarEntry, TarFormatError, TarReader, type TarVisitor } from "./tar.js";
import { FileTree } from "./tree.js";
import { meaningOf } from "./whiteouts.js";

/**
 * The default cap on a layer's uncompressed bytes. Memory never depends on it (layers are
 * streamed); it bounds the time a decompression bomb can cost. The largest real layers
 * (CUDA and ML toolchains) reach about 10 GiB.
 */
export const DEFAULT_MAX_LAYER_BYTES = 16 * 1024 ** 3;

/** At most this many example paths are kept per kind of skip, for warnings. */
const MAX_EXAMPLES = 20;

export interface WalkOptions {
  /** Cap on the uncompressed bytes of each layer; exceeding it is a UserError. */
  maxLayerBytes?: number;
  /** A directory for the per-layer cache (see cache.ts); without one nothing is cached. */
  cacheDir?: string;
  /**
   * Names what `wanted` asks for (paths and caps); part of every cache key, so it must
   * change whenever `wanted` or `excerpt` does. Required with `cacheDir`.
   */
  wantedPolicy?: string;
  /** What to keep of each wanted file once read; without it, whole files are kept. */
  excerpt?: FileExcerpt;
}

/** What the walk left out, for warnings: counts, and a few example paths. */
export interface WalkSkips {
  /** Entries whose names climb out of the image root (`../x`) or hold a NUL byte; never used. */
  unsafePaths: number;
  /** Wanted files larger than their cap: not read. */
  overCap: number;
  overCapExamples: string[];
  /** Wanted links (hard or symbolic) whose target is not a file read in the walk. */
  unresolvedLinks: number;
  unresolvedLinkExamples: string[];
}

/** The wanted files of the image's final file system by path, and what was skipped. */
export class WalkedFiles extends Map<string, ImageFile> {
  readonly skipped: WalkSkips = { unsafePaths: 0, overCap: 0, overCapExamples: [], unresolvedLinks: 0, unresolvedLinkExamples: [] };
}

/**
 * Reads each layer once, in order from the base up, as a stream, and returns the wanted
 * files of the final file system with whiteouts and opaque directories applied. Only wanted
 * files are held in memory: each whole up to its cap only until its excerpt is cut, then
 * only the excerpt; nothing is written anywhere.
 */
export async function walkLayers(layers: readonly ImageLayer[], wanted: FileWanted, options: WalkOptions = {}): Promise<WalkedFiles> {
  const maxLayerBytes = options.maxLayerBytes ?? DEFAULT_MAX_LAYER_BYTES;
  const cache = cacheOf(options);
  const keys = cache?.keys(layers);
  const result = new WalkedFiles();
  const tree = new FileTree();
  for (const [index, layer] of layers.entries()) {
    const visitor = new LayerVisitor(tree, layer.diffId, index, wanted, result.skipped, options.excerpt);
    const key = keys?.[index];
    if (cache && key) await walkThroughCache(cache, key, layer, visitor, wanted, maxLayerBytes);
    else await walkLayer(layer, visitor, maxLayerBytes);
  }
  const files = tree.collect(wanted, (path, reason) =>
    reason === "dangling" ? noteUnresolvedLink(result.skipped, path) : noteOverCap(result.skipped, path),
  );
  for (const [path, file] of files) result.set(path, file);
  return result;
}

function cacheOf(options: WalkOptions): LayerCache | undefined {
  if (options.cacheDir === undefined) return undefined;
  if (options.wantedPolicy === undefined) throw new Error("walkLayers: a cacheDir needs a wantedPolicy to key its entries by");
  return new LayerCache(options.cacheDir, options.wantedPolicy);
}

/** Replays the layer's recording when the cache has one; otherwise walks it and records it. */
async function walkThroughCache(
  cache: LayerCache,
  key: string,
  layer: ImageLayer,
  visitor: LayerVisitor,
  wanted: FileWanted,
  maxLayerBytes: number,
): Promise<void> {
  const recording = await cache.read(key);
  if (recording && hasEveryWantedBody(recording.entries, wanted)) {
    checkLayerSize(layer, recording.inflatedBytes, maxLayerBytes);
    replay(recording.entries, visitor);
    return;
  }
  const entries = visitor.startRecording();
  const inflatedBytes = await walkLayer(layer, visitor, maxLayerBytes);
  await cache.write(key, { inflatedBytes, entries });
}

/** Whether a recording holds a body for exactly the files the walk would read: a forged or stale one may not. */
function hasEveryWantedBody(entries: readonly RecordedEntry[], wanted: FileWanted): boolean {
  return entries.every((entry) => {
    if (entry.type !== "file") return true;
    const path = normaliseEntryPath(entry.name);
    const cap = path ? wanted(path) : undefined;
    return (entry.content !== undefined) === (cap !== undefined && entry.size <= cap && meaningOf(path as string).kind === "entry");
  });
}

/** Replays recorded entries; their bodies are excerpts already. */
function replay(entries: readonly RecordedEntry[], visitor: LayerVisitor): void {
  for (const entry of entries) {
    if (!visitor.entry(entry)) continue;
    if (!entry.content) throw new Error(`internal error: the cached entry ${JSON.stringify(entry.name)} has no body`);
    visitor.keep(entry, entry.content);
  }
}

/** Streams the layer through the tar reader; returns its uncompressed size. */
async function walkLayer(layer: ImageLayer, visitor: TarVisitor, maxLayerBytes: number): Promise<number> {
  const reader = new TarReader(visitor);
  let inflated = 0;
  try {
    await inflate(await layer.open(), layer.digest, (chunk) => {
      inflated += chunk.length;
      checkLayerSize(layer, inflated, maxLayerBytes);
      reader.write(chunk);
    });
    reader.end();
    return inflated;
  } catch (error) {
    if (error instanceof TarFormatError) throw new UserError(`layer ${layer.digest} is not a valid tar archive: ${error.message}`);
    throw error;
  }
}

function checkLayerSize(layer: ImageLayer, inflated: number, maxLayerBytes: number): void {
  if (inflated <= maxLayerBytes) return;
  throw new UserError(
    `layer ${layer.digest} inflates to more than ${maxLayerBytes} bytes, the cap on a layer's uncompressed size (a decompression bomb?)`,
    "raise the cap (maxLayerBytes) if the layer is genuine",
  );
}

/** Applies one layer's entries to the tree as they stream past, recording those that matter when asked. */
class LayerVisitor implements TarVisitor {
  /** The path of the entry whose body was asked for, and its recording. */
  private bodyPath = "";
  private bodyRecord: RecordedEntry | undefined;
  private recording: RecordedEntry[] | undefined;

  constructor(
    private readonly tree: FileTree,
    private readonly diffId: string,
    private readonly index: number,
    private readonly wanted: FileWanted,
    private readonly skipped: WalkSkips,
    private readonly excerpt: FileExcerpt | undefined,
  ) {}

  /** From now on, keeps every entry that changes the tree or the skip counts; returns the list it fills. */
  startRecording(): RecordedEntry[] {
    this.recording = [];
    return this.recording;
  }

  entry(entry: TarEntry): boolean {
    const path = normaliseEntryPath(entry.name);
    if (path === undefined) {
      this.skipped.unsafePaths++;
      this.record(entry);
      return false;
    }
    if (path === "") return false;
    const meaning = meaningOf(path);
    if (meaning.kind === "entry") {
      this.bodyRecord = this.changesTree(path, entry) ? this.record(entry) : undefined;
      return this.place(path, entry);
    }
    if (meaning.kind === "whiteout") this.tree.removeLower(meaning.path, this.index);
    else if (meaning.kind === "opaque") this.tree.hideLower(meaning.dir, this.index);
    if (meaning.kind !== "ignored") this.record(entry);
    return false;
  }

  body(entry: TarEntry, content: Buffer): void {
    this.keep(entry, this.excerpt ? this.excerpt(this.bodyPath, content) : content);
  }

  /** Places a wanted file's kept bytes; an empty excerpt of a non-empty file means nothing in it matters. */
  keep(entry: TarEntry, kept: Buffer): void {
    if (this.bodyRecord) this.bodyRecord.content = kept;
    if (kept.length === 0 && entry.size > 0) return;
    this.tree.addFile(this.bodyPath, { path: this.bodyPath, content: kept, mode: entry.mode, layer: this.diffId }, this.index);
  }

  private place(path: string, entry: TarEntry): boolean {
    switch (entry.type) {
      case "directory":
        this.tree.addDirectory(path, this.index);
        return false;
      case "symlink":
        this.tree.addSymlink(path, entry.linkName, this.index);
        return false;
      case "hardlink":
        this.placeHardLink(path, entry);
        return false;
      case "file":
        this.tree.remove(path);
        if (!this.fits(path, entry.size)) return false;
        this.bodyPath = path;
        return true;
      case "other":
        this.tree.remove(path);
        return false;
    }
  }

  /**
   * An unwanted file, link or device where the tree holds nothing does nothing: the tree
   * below is the same on replay (the cache key covers the layers below), so it is left out.
   */
  private changesTree(path: string, entry: TarEntry): boolean {
    return entry.type === "directory" || entry.type === "symlink" || this.wanted(path) !== undefined || this.tree.has(path);
  }

  private record(entry: TarEntry): RecordedEntry | undefined {
    if (!this.recording) return undefined;
    const recorded: RecordedEntry = { ...entry };
    this.recording.push(recorded);
    return recorded;
  }

  /** A hard link shares the content of a file read earlier in the walk (its target must be wanted too). */
  private placeHardLink(path: string, entry: TarEntry): void {
    this.tree.remove(path);
    if (this.wanted(path) === undefined) return;
    const targetPath = normaliseEntryPath(entry.linkName);
    const target = targetPath ? this.tree.fileAt(targetPath) : undefined;
    if (!target) noteUnresolvedLink(this.skipped, path);
    else if (this.fits(path, target.content.length)) {
      this.tree.addFile(path, { path, content: target.content, mode: entry.mode || target.mode, layer: this.diffId }, this.index);
    }
  }

  /** Whether a file is wanted and within its cap; a wanted file over its cap is counted. */
  private fits(path: string, size: number): boolean {
    const cap = this.wanted(path);
    if (cap === undefined) return false;
    if (size <= cap) return true;
    noteOverCap(this.skipped, path);
    return false;
  }
}

function noteOverCap(skipped: WalkSkips, path: string): void {
  skipped.overCap++;
  if (skipped.overCapExamples.length < MAX_EXAMPLES) skipped.overCapExamples.push(path);
}

function noteUnresolvedLink(skipped: WalkSkips, path: string): void {
  skipped.unresolvedLinks++;
  if (skipped.unresolvedLinkExamples.length < MAX_EXAMPLES) skipped.unresolvedLinkExamples.push(path);
}
