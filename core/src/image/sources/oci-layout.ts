import type { Readable } from "node:stream";
import { UserError } from "../../errors.js";
import type { ImageLayer, Platform, ResolvedImage, ResolveOptions } from "../types.js";
import { parseDigest, verifyDigest, verifyingStream } from "./digest.js";
import type { FileStore } from "./file-store.js";
import { checkAskedPlatform, diffIdsOf, JSON_LIMIT, type JsonObject, parseJsonObject, platformOfConfig } from "./image-config.js";
import { DEFAULT_PLATFORM, formatPlatform, samePlatform } from "./platform.js";

export const MEDIA_TYPES = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
} as const;

const INDEX_TYPES: readonly string[] = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList];
const MANIFEST_TYPES: readonly string[] = [MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest];
const CONFIG_TYPES: readonly string[] = [MEDIA_TYPES.ociConfig, MEDIA_TYPES.dockerConfig];
const LAYER_TYPES: readonly string[] = [
  "application/vnd.oci.image.layer.v1.tar",
  "application/vnd.oci.image.layer.v1.tar+gzip",
  "application/vnd.oci.image.layer.v1.tar+zstd",
  "application/vnd.oci.image.layer.nondistributable.v1.tar",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
  "application/vnd.docker.image.rootfs.diff.tar",
  "application/vnd.docker.image.rootfs.diff.tar.gzip",
  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
];
const REF_NAME = "org.opencontainers.image.ref.name";
const MAX_INDEX_DEPTH = 4;

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

/** Which image of the layout: by `org.opencontainers.image.ref.name`, by digest, or the only one. */
export interface LayoutSelection {
  tag?: string;
  digest?: string;
}

function descriptorOf(value: unknown, where: string): Descriptor {
  const raw = (value ?? {}) as JsonObject;
  if (typeof raw.mediaType !== "string") throw new UserError(`${where} has no mediaType`);
  if (typeof raw.size !== "number" || raw.size < 0) throw new UserError(`${where} has no valid size`);
  const descriptor: Descriptor = { mediaType: raw.mediaType, digest: parseDigest(raw.digest, where), size: raw.size };
  const platform = raw.platform as JsonObject | undefined;
  if (platform && typeof platform.os === "string" && typeof platform.architecture === "string") {
    descriptor.platform = platformOfConfig(platform, where);
  }
  if (raw.annotations && typeof raw.annotations === "object") descriptor.annotations = raw.annotations as Record<string, string>;
  return descriptor;
}

function descriptorsOf(index: JsonObject, where: string): Descriptor[] {
  if (!Array.isArray(index.manifests)) throw new UserError(`${where} has no manifests list`);
  return index.manifests.map((entry, position) => descriptorOf(entry, `${where} manifests[${position}]`));
}

function blobPath(digest: string): string {
  return `blobs/${digest.replace(":", "/")}`;
}

function blobName(store: FileStore, digest: string): string {
  return `${store.label}: blob ${digest}`;
}

async function readBlobJson(store: FileStore, descriptor: Descriptor): Promise<JsonObject> {
  const name = blobName(store, descriptor.digest);
  if (!(await store.exists(blobPath(descriptor.digest)))) throw new UserError(`${name} is missing`);
  const bytes = await store.read(blobPath(descriptor.digest), JSON_LIMIT);
  verifyDigest(bytes, descriptor.digest, name);
  return parseJsonObject(bytes, name);
}

function checkMediaType(descriptor: Descriptor, allowed: readonly string[], what: string, where: string): void {
  if (!allowed.includes(descriptor.mediaType)) {
    throw new UserError(`${where}: ${descriptor.digest} has media type ${descriptor.mediaType}, not ${what} (${allowed.join(", ")})`);
  }
}

function labelOf(descriptor: Descriptor): string {
  return descriptor.annotations?.[REF_NAME] ?? descriptor.digest;
}

async function chooseTopEntry(store: FileStore, entries: Descriptor[], selection: LayoutSelection): Promise<Descriptor> {
  const where = `${store.label} index.json`;
  if (selection.digest !== undefined) {
    const found = entries.find((entry) => entry.digest === selection.digest);
    if (found) return found;
    // A platform manifest inside an index is not listed in index.json; take it from its own mediaType.
    if (!(await store.exists(blobPath(selection.digest))))
      throw new UserError(`${store.label} has no image with digest ${selection.digest}`);
    const bytes = await store.read(blobPath(selection.digest), JSON_LIMIT);
    const mediaType = parseJsonObject(bytes, blobName(store, selection.digest)).mediaType;
    return { mediaType: typeof mediaType === "string" ? mediaType : MEDIA_TYPES.ociManifest, digest: selection.digest, size: bytes.length };
  }
  if (selection.tag !== undefined) {
    const found = entries.find((entry) => entry.annotations?.[REF_NAME] === selection.tag);
    if (found) return found;
    throw new UserError(
      `${store.label} has no image tagged ${JSON.stringify(selection.tag)}; it has: ${entries.map(labelOf).join(", ") || "none"}`,
    );
  }
  const [only, ...others] = entries;
  if (!only) throw new UserError(`${where} lists no images`);
  if (others.length > 0) {
    throw new UserError(
      `${store.label} holds ${entries.length} images; name one as oci:PATH:TAG or oci:PATH@DIGEST: ${entries.map(labelOf).join(", ")}`,
    );
  }
  return only;
}

interface ChosenManifest {
  manifest: Descriptor;
  /** Set when an index chose the manifest by platform. */
  platform?: Platform;
}

/** Searches an index, and indexes in it without a platform, for the manifest of `wanted`; notes the platforms seen. */
async function searchIndex(
  store: FileStore,
  index: Descriptor,
  wanted: Platform,
  offered: string[],
  depth: number,
): Promise<ChosenManifest | undefined> {
  if (depth >= MAX_INDEX_DEPTH) throw new UserError(`${store.label}: indexes nest deeper than ${MAX_INDEX_DEPTH} levels`);
  const children = descriptorsOf(await readBlobJson(store, index), blobName(store, index.digest));
  for (const child of children) {
    const isIndex = INDEX_TYPES.includes(child.mediaType);
    if (!child.platform) {
      const found = isIndex ? await searchIndex(store, child, wanted, offered, depth + 1) : undefined;
      if (found) return found;
    } else if (samePlatform(child.platform, wanted)) {
      const found = isIndex ? await searchIndex(store, child, wanted, offered, depth + 1) : { manifest: child };
      if (found) return { manifest: found.manifest, platform: found.platform ?? child.platform };
    } else if (child.platform.os !== "unknown") {
      offered.push(formatPlatform(child.platform)); // unknown/unknown entries are attestations, not images
    }
  }
  return undefined;
}

/** The manifest `descriptor` is, or the one for the platform when it is an index. */
async function manifestFor(store: FileStore, descriptor: Descriptor, asked: Platform | undefined): Promise<ChosenManifest> {
  if (!INDEX_TYPES.includes(descriptor.mediaType)) {
    checkMediaType(descriptor, [...INDEX_TYPES, ...MANIFEST_TYPES], "an image index or manifest", store.label);
    return { manifest: descriptor };
  }
  const wanted = asked ?? DEFAULT_PLATFORM;
  const offered: string[] = [];
  const found = await searchIndex(store, descriptor, wanted, offered, 0);
  if (!found) throw new UserError(`${store.label} has no image for ${formatPlatform(wanted)}; it has: ${offered.join(", ") || "none"}`);
  checkMediaType(found.manifest, MANIFEST_TYPES, "an image manifest", store.label);
  return found;
}

function layerOf(store: FileStore, descriptor: Descriptor, diffId: string): ImageLayer {
  return {
    digest: descriptor.digest,
    diffId,
    mediaType: descriptor.mediaType,
    size: descriptor.size,
    async open(): Promise<Readable> {
      const name = blobName(store, descriptor.digest);
      if (!(await store.exists(blobPath(descriptor.digest)))) throw new UserError(`${name} is missing`);
      return verifyingStream(await store.open(blobPath(descriptor.digest)), descriptor.digest, name, descriptor.size);
    },
  };
}

/** An image of an OCI image layout (a directory, an oci-archive, a Docker 25+ `docker save`). */
export async function resolveOciLayout(
  store: FileStore,
  selection: LayoutSelection,
  options: ResolveOptions,
  ref: string,
): Promise<ResolvedImage> {
  if (!(await store.exists("oci-layout"))) throw new UserError(`${store.label} is not an OCI image layout: it has no oci-layout file`);
  if (!(await store.exists("index.json"))) throw new UserError(`${store.label} is not an OCI image layout: it has no index.json`);
  const index = parseJsonObject(await store.read("index.json", JSON_LIMIT), `${store.label} index.json`);
  const top = await chooseTopEntry(store, descriptorsOf(index, `${store.label} index.json`), selection);
  const { manifest: manifestDescriptor, platform: chosen } = await manifestFor(store, top, options.platform);
  const manifestName = blobName(store, manifestDescriptor.digest);
  const manifest = await readBlobJson(store, manifestDescriptor);
  if (typeof manifest.mediaType === "string" && manifest.mediaType !== manifestDescriptor.mediaType) {
    throw new UserError(`${manifestName} says it is ${manifest.mediaType}, its descriptor says ${manifestDescriptor.mediaType}`);
  }
  const configDescriptor = descriptorOf(manifest.config, `${manifestName} config`);
  checkMediaType(configDescriptor, CONFIG_TYPES, "an image config", manifestName);
  const config = await readBlobJson(store, configDescriptor);
  if (!Array.isArray(manifest.layers)) throw new UserError(`${manifestName} has no layers list`);
  const layers = manifest.layers.map((raw, position) => {
    const layer = descriptorOf(raw, `${manifestName} layers[${position}]`);
    checkMediaType(layer, LAYER_TYPES, "an image layer", manifestName);
    return layer;
  });
  const configName = blobName(store, configDescriptor.digest);
  const diffIds = diffIdsOf(config, configName, layers.length);
  const platform = chosen ?? platformOfConfig(config, configName);
  if (!chosen) checkAskedPlatform(platform, options.platform, ref);
  return {
    ref,
    digest: manifestDescriptor.digest,
    platform,
    config,
    layers: layers.map((layer, position) => layerOf(store, layer, diffIds[position] as string)),
  };
}
