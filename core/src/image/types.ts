import type { Readable } from "node:stream";

/** An OCI platform, as in image indexes and configs. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** One layer of a resolved image, in order from the base up. */
export interface ImageLayer {
  /** Digest of the blob as stored (compressed, for registry and OCI layouts). */
  digest: string;
  /** Digest of the uncompressed tar (from the config's rootfs.diff_ids); the cache key. */
  diffId: string;
  mediaType: string;
  /** Size of the blob in bytes, when the manifest says. */
  size?: number;
  /** A fresh stream of the blob's bytes (compressed as stored); verified against `digest` by the source. */
  open(): Promise<Readable>;
}

/** An image ready to walk: one platform's manifest, config and layers. */
export interface ResolvedImage {
  /** The reference as the user wrote it, e.g. `docker-archive:app.tar`. */
  ref: string;
  /** The manifest digest, when the source has one. */
  digest?: string;
  platform: Platform;
  /** The image config (OCI/Docker `config` JSON) as parsed. */
  config: Record<string, unknown>;
  layers: ImageLayer[];
}

export interface ResolveOptions {
  /** The platform to pick from a multi-platform index; default linux/amd64. */
  platform?: Platform;
}

/** A place images come from: a registry, a `docker save` archive, an OCI layout, the daemon. */
export interface ImageSource {
  resolve(options?: ResolveOptions): Promise<ResolvedImage>;
}

/** A regular file of the image's final file system that an analyzer asked for. */
export interface ImageFile {
  /** Path inside the image, relative, no leading slash, normalised (`usr/lib/os-release`). */
  path: string;
  content: Buffer;
  /** Unix permission and type bits from the tar header. */
  mode: number;
  /** The diff ID of the layer the file's final version came from. */
  layer: string;
}

/**
 * Which files to read while walking layers: a size cap in bytes for a wanted path, or
 * undefined to skip it. Only wanted files are ever held in memory.
 */
export type FileWanted = (path: string) => number | undefined;

/**
 * What to keep of a wanted file once its bytes are complete: the part its analyzer needs
 * (e.g. a Go binary's build information), so the walk never holds whole binaries. An empty
 * result for a non-empty file drops the file.
 */
export type FileExcerpt = (path: string, content: Buffer) => Buffer;
