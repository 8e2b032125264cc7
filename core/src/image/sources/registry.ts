import { UserError } from "../../errors.js";
import { type FetchedManifest, RegistryClient, type RegistryClientOptions } from "../../registry/client.js";
import type { ImageSource } from "../types.js";
import type { FileStore } from "./file-store.js";
import { JSON_LIMIT } from "./image-config.js";
import { MEDIA_TYPES, resolveOciLayout } from "./oci-layout.js";
import type { DockerReference } from "./reference.js";

/** Indexes first, so a multi-platform image comes as its index and the platform is ours to choose. */
const MANIFEST_ACCEPT = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest];
const INDEX_TYPES: readonly string[] = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList];

/** The digests an index lists: the registry serves these from its manifests endpoint, not as blobs. */
function childDigests(manifest: FetchedManifest): string[] {
  if (!INDEX_TYPES.includes(manifest.mediaType)) return [];
  try {
    const children = (JSON.parse(manifest.bytes.toString("utf8")) as { manifests?: { digest?: unknown }[] }).manifests;
    return Array.isArray(children) ? children.map((child) => child?.digest).filter((digest) => typeof digest === "string") : [];
  } catch {
    return []; // the layout reader reports the malformed index
  }
}

function digestOfBlobPath(path: string, label: string): string {
  const match = /^blobs\/([a-z0-9]+)\/([a-f0-9]+)$/.exec(path);
  if (!match) throw new UserError(`${label}: no file ${path}`);
  return `${match[1]}:${match[2]}`;
}

/**
 * The registry's image seen as an OCI layout holding one image (the manifest or index the
 * reference names), so that the layout reader chooses the platform, checks media types and
 * digests, and streams layers exactly as it does for layouts on disk.
 */
function registryStore(client: RegistryClient, repository: string, top: FetchedManifest, label: string): FileStore {
  const manifests = new Map<string, FetchedManifest>([[top.digest, top]]);
  const manifestDigests = new Set(childDigests(top));
  const index = { schemaVersion: 2, manifests: [{ mediaType: top.mediaType, digest: top.digest, size: top.bytes.length }] };
  async function manifest(digest: string): Promise<FetchedManifest> {
    const fetched = manifests.get(digest) ?? (await client.getManifest(repository, digest, MANIFEST_ACCEPT, JSON_LIMIT));
    manifests.set(digest, fetched);
    for (const child of childDigests(fetched)) manifestDigests.add(child);
    return fetched;
  }
  return {
    label,
    // Blobs are asked for by the descriptors that name them; a missing one is the registry's 404.
    exists: async (path) => path === "oci-layout" || path === "index.json" || path.startsWith("blobs/"),
    async read(path, limit) {
      if (path === "index.json") return Buffer.from(JSON.stringify(index));
      const digest = digestOfBlobPath(path, label);
      if (manifests.has(digest) || manifestDigests.has(digest)) return (await manifest(digest)).bytes;
      return client.readBlob(repository, digest, limit);
    },
    open: async (path) => client.openBlob(repository, digestOfBlobPath(path, label)),
  };
}

/** An image in a registry (`docker://REF`): its manifest or index by tag or digest, then as an OCI layout. */
export function registryImageSource(name: DockerReference, ref: string, options: RegistryClientOptions = {}): ImageSource {
  return {
    async resolve(resolveOptions = {}) {
      const client = new RegistryClient(name.registry, options);
      const top = await client.getManifest(name.repository, name.digest ?? (name.tag as string), MANIFEST_ACCEPT, JSON_LIMIT);
      return resolveOciLayout(registryStore(client, name.repository, top, `registry image ${name.canonical}`), {}, resolveOptions, ref);
    },
  };
}
