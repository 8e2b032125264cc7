import { UserError } from "../../errors.js";
import { digestOf } from "../../image/sources/digest.js";
import { parseDockerReference } from "../../image/sources/reference.js";
import { RegistryClient, type RegistryClientOptions } from "../../registry/client.js";
import { verifyDatabase } from "../db/open.js";
import { databaseManifest, EMPTY_CONFIG_BYTES, type LayerDescriptor, MANIFEST_MEDIA_TYPE } from "./manifest.js";
import { packDatabase } from "./pack.js";

export interface PushedDatabase {
  /** `registry/repository:tag@digest`. */
  ref: string;
  /** The manifest digest. */
  digest: string;
  layer: LayerDescriptor;
}

/**
 * Pushes a database directory as an OCI artifact to `ref` (`registry/repository:tag`): the
 * empty config, the database as one tar+gzip layer, then the manifest under the tag. The
 * database is verified whole first, so a damaged one is never published.
 */
export async function pushDatabase(dir: string, ref: string, clientOptions: RegistryClientOptions = {}): Promise<PushedDatabase> {
  const name = parseDockerReference(ref);
  if (name.digest) throw new UserError(`cannot push a vulnerability database to ${ref}: give a tag, not a digest`);
  const metadata = await verifyDatabase(dir);
  const layerBytes = await packDatabase(dir, metadata);
  const layer = { digest: digestOf(layerBytes), size: layerBytes.length };
  const client = new RegistryClient(name.registry, clientOptions);
  await client.putBlob(name.repository, EMPTY_CONFIG_BYTES);
  await client.putBlob(name.repository, layerBytes);
  const digest = await client.putManifest(name.repository, name.tag as string, databaseManifest(layer, metadata), MANIFEST_MEDIA_TYPE);
  return { ref: `${name.canonical}@${digest}`, digest, layer };
}
