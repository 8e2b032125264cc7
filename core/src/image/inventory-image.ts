import { join } from "node:path";
import type { Inventory } from "../inventory/inventory.js";
import { excerptForAnalyzers, inventoryOf, WANTED_POLICY, wantedByAnalyzers } from "../inventory/inventory.js";
import type { RegistrySettings } from "../registry/settings.js";
import { plural } from "../report/format.js";
import { walkLayers } from "./layers/index.js";
import { type DockerReference, openImageSource, parseImageReference } from "./sources/index.js";
import type { Platform } from "./types.js";

/** What an image holds: where it came from, its OS and every package, and what was skipped. */
export interface ImageInventory extends Inventory {
  /** The reference as the user wrote it. */
  ref: string;
  digest?: string;
  /** The platform read (chosen from an index, or the image's own). */
  platform: Platform;
  layers: number;
}

export interface ImageInventoryOptions {
  platform?: Platform;
  /** Cap on the uncompressed bytes of one layer (decompression bombs). */
  maxLayerBytes?: number;
  /** Where per-layer results are cached; no cache when unset. */
  cacheDir?: string;
  /** Credentials and plain-HTTP registries for registry images. */
  registry?: RegistrySettings;
}

/**
 * Resolves an image reference, walks its layers once reading only the files the analyzers
 * want (keeping only their excerpts), and inventories them.
 */
export async function inventoryImage(ref: string, options: ImageInventoryOptions = {}): Promise<ImageInventory> {
  const image = await openImageSource(ref, { ...(options.registry && { registry: options.registry }) }).resolve(
    options.platform ? { platform: options.platform } : {},
  );
  const files = await walkLayers(image.layers, wantedByAnalyzers, {
    excerpt: excerptForAnalyzers,
    ...(options.maxLayerBytes && { maxLayerBytes: options.maxLayerBytes }),
    ...(options.cacheDir && { cacheDir: options.cacheDir, wantedPolicy: WANTED_POLICY }),
  });
  const inventory = inventoryOf(files);
  const { skipped } = files;
  const notes = [...inventory.notes];
  if (skipped.unsafePaths > 0) notes.push(`${plural(skipped.unsafePaths, "layer entry")} with a path leaving the image root ignored`);
  if (skipped.overCap > 0)
    notes.push(`${plural(skipped.overCap, "wanted file")} over the size cap not read: ${skipped.overCapExamples.join(", ")}`);
  return {
    ref,
    ...(image.digest && { digest: image.digest }),
    platform: image.platform,
    layers: image.layers.length,
    ...inventory,
    notes,
  };
}

/**
 * The file in the repository an image came from, where its findings are located until they
 * can be traced to a Dockerfile line: an OCI layout's index.json, an archive itself; undefined
 * for registry and daemon images, which have no file.
 */
export function imageSourceFile(ref: string): string | undefined {
  const parsed = parseImageReference(ref);
  if (parsed.transport === "oci") return join(parsed.path, "index.json");
  return "path" in parsed ? parsed.path : undefined;
}

/** The registry name an image reference carries (a registry or daemon image, a named docker-archive image). */
export function imageName(ref: string): DockerReference | undefined {
  const parsed = parseImageReference(ref);
  if ("name" in parsed) return parsed.name;
  return parsed.transport === "docker-archive" ? parsed.image : undefined;
}

/**
 * The SARIF category of an image: stable across builds, so never the tag or digest. A
 * registry image is its repository; a local one its transport and path.
 */
export function imageTargetId(ref: string): string {
  const parsed = parseImageReference(ref);
  if ("name" in parsed) return `image/${parsed.name.registry}/${parsed.name.repository}`;
  if ("path" in parsed) return `image/${parsed.transport}:${parsed.path}`;
  return `image/${parsed.transport}:${parsed.imageId}`;
}
