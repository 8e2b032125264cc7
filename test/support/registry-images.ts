import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { digestOf } from "../../core/src/image/sources/digest.js";
import type { Platform } from "../../core/src/image/types.js";
import type { RegistryClient } from "../../core/src/registry/index.js";

/** The file whose content names the platform of an image `pushImage` made. */
export const ARCH_FILE = "etc/portcullis-arch";

export async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const archive = pack();
  for (const [name, content] of Object.entries(files)) archive.entry({ name, mode: 0o644 }, content);
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export interface Pushed {
  digest: string;
  size: number;
  layer: string;
}

export const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/** Pushes a one-layer OCI image whose layer holds a file naming its platform. */
export async function pushImage(client: RegistryClient, repository: string, tag: string | undefined, platform: Platform): Promise<Pushed> {
  const tar = await tarOf({ [ARCH_FILE]: `${platform.architecture}\n`, "etc/os-release": "ID=portcullis-test\n" });
  return pushLayer(client, repository, tag, platform, tar);
}

/** Pushes a one-layer OCI image of `tar` (gzipped), under `tag` or only by digest. */
export async function pushLayer(
  client: RegistryClient,
  repository: string,
  tag: string | undefined,
  platform: Platform,
  tar: Buffer,
): Promise<Pushed> {
  const layer = gzipSync(tar);
  await client.putBlob(repository, layer);
  const config = json({ ...platform, rootfs: { type: "layers", diff_ids: [digestOf(tar)] }, config: {} });
  await client.putBlob(repository, config);
  const manifest = json({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: digestOf(config), size: config.length },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: digestOf(layer), size: layer.length }],
  });
  const digest = await client.putManifest(repository, tag ?? digestOf(manifest), manifest, "application/vnd.oci.image.manifest.v1+json");
  return { digest, size: manifest.length, layer: digestOf(layer) };
}
