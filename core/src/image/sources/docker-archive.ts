import { UserError } from "../../errors.js";
import type { ImageLayer, ResolvedImage, ResolveOptions } from "../types.js";
import { verifyDigest, verifyingStream } from "./digest.js";
import { type FileStore, safeRelativePath } from "./file-store.js";
import {
  checkAskedPlatform,
  diffIdsOf,
  JSON_LIMIT,
  type JsonObject,
  parseJson,
  parseJsonObject,
  platformOfConfig,
} from "./image-config.js";
import { resolveOciLayout } from "./oci-layout.js";
import { type DockerReference, parseDockerReference } from "./reference.js";

/** `docker save` writes layers as uncompressed tars. */
const LEGACY_LAYER_TYPE = "application/vnd.docker.image.rootfs.diff.tar";

interface ArchiveImage {
  config: string;
  repoTags: string[];
  layers: string[];
}

function imagesOf(value: unknown, where: string): ArchiveImage[] {
  if (!Array.isArray(value)) throw new UserError(`${where} is not a list of images`);
  return value.map((raw: JsonObject, position) => {
    const at = `${where} [${position}]`;
    const { Config, RepoTags, Layers } = raw ?? {};
    if (typeof Config !== "string") throw new UserError(`${at} has no Config`);
    if (!Array.isArray(Layers) || !Layers.every((layer) => typeof layer === "string")) throw new UserError(`${at} has no Layers list`);
    const repoTags = Array.isArray(RepoTags) ? RepoTags.filter((tag): tag is string => typeof tag === "string") : [];
    return {
      config: safeRelativePath(Config, `${at} Config`),
      repoTags,
      layers: Layers.map((layer: string) => safeRelativePath(layer, `${at} Layers`)),
    };
  });
}

function canonicalTag(tag: string): string | undefined {
  try {
    return parseDockerReference(tag).canonical;
  } catch {
    return undefined;
  }
}

function chooseImage(images: ArchiveImage[], wanted: DockerReference | undefined, label: string): ArchiveImage {
  const tags = images.flatMap((image) => image.repoTags);
  if (wanted) {
    const found = images.find((image) => image.repoTags.some((tag) => canonicalTag(tag) === wanted.canonical));
    if (found) return found;
    throw new UserError(`${label} has no image tagged ${wanted.canonical}; it has: ${tags.join(", ") || "untagged images only"}`);
  }
  const [only, ...others] = images;
  if (!only) throw new UserError(`${label} manifest.json lists no images`);
  if (others.length > 0) {
    throw new UserError(
      `${label} holds ${images.length} images; name one as docker-archive:PATH:NAME:TAG: ${tags.join(", ") || "(all untagged)"}`,
    );
  }
  return only;
}

/** The digest a file's name gives, in both layouts: `blobs/sha256/<hex>` (Docker 25+) or `<hex>.json`, `<hex>.tar`. */
function digestInName(path: string): string | undefined {
  const match = /^(?:blobs\/sha256\/([a-f0-9]{64})|([a-f0-9]{64})\.(?:json|tar))$/.exec(path);
  const hex = match?.[1] ?? match?.[2];
  return hex && `sha256:${hex}`;
}

function layerOf(store: FileStore, path: string, diffId: string): ImageLayer {
  // An uncompressed layer's digest is its diff ID; a digest in its name must agree, and both are verified on reading.
  const digest = digestInName(path) ?? diffId;
  return {
    digest,
    diffId,
    mediaType: LEGACY_LAYER_TYPE,
    open: async () => verifyingStream(await store.open(path), digest, `${store.label}: layer ${path}`),
  };
}

/**
 * An image of a `docker save` archive: the legacy layout (manifest.json, `<id>/layer.tar`)
 * and Docker 25+'s OCI layout, which carries the same manifest.json beside index.json.
 */
export async function resolveDockerArchive(
  store: FileStore,
  wanted: DockerReference | undefined,
  options: ResolveOptions,
  ref: string,
): Promise<ResolvedImage> {
  if (!(await store.exists("manifest.json"))) {
    if (!wanted && (await store.exists("index.json"))) return resolveOciLayout(store, {}, options, ref);
    throw new UserError(`${store.label} is not a docker save archive: it has no manifest.json`);
  }
  const image = chooseImage(
    imagesOf(parseJson(await store.read("manifest.json", JSON_LIMIT), `${store.label} manifest.json`), `${store.label} manifest.json`),
    wanted,
    store.label,
  );
  const configName = `${store.label}: config ${image.config}`;
  const configBytes = await store.read(image.config, JSON_LIMIT);
  const configDigest = digestInName(image.config);
  if (configDigest) verifyDigest(configBytes, configDigest, configName);
  const config = parseJsonObject(configBytes, configName);
  const diffIds = diffIdsOf(config, configName, image.layers.length);
  for (const layer of image.layers) {
    if (!(await store.exists(layer))) throw new UserError(`${store.label} has no layer ${layer}`);
  }
  const platform = platformOfConfig(config, configName);
  checkAskedPlatform(platform, options.platform, ref);
  return { ref, platform, config, layers: image.layers.map((layer, position) => layerOf(store, layer, diffIds[position] as string)) };
}
