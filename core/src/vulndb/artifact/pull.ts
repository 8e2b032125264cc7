import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rm } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { UserError } from "../../errors.js";
import { verifyingStream } from "../../image/sources/digest.js";
import { parseDockerReference } from "../../image/sources/reference.js";
import { RegistryClient, type RegistryClientOptions } from "../../registry/client.js";
import { SCHEMA_VERSION } from "../db/format.js";
import { verifyDatabase } from "../db/open.js";
import { cacheEntryDir, isIntact, storeEntry } from "./cache.js";
import { MANIFEST_LIMIT, MANIFEST_MEDIA_TYPE, parseDatabaseManifest } from "./manifest.js";
import { inflationCap, MAX_UNPACKED_BYTES, unpackDatabase } from "./unpack.js";

export interface PulledDatabase {
  /** The database directory: `destinationRoot/sha256-<hex>`. */
  dir: string;
  /** The manifest digest. */
  digest: string;
  /** False when that digest was already in `destinationRoot` and nothing was downloaded. */
  downloaded: boolean;
}

/**
 * Pulls a database artifact (`registry/repository:tag` or `@digest`) into `destinationRoot`,
 * one directory per manifest digest. A digest already there is not downloaded again. The
 * layer is checked against its digest and size while it downloads, unpacked into a
 * temporary directory, every file checked against metadata.json; only then is it renamed
 * into place, so a tampered or broken download leaves nothing behind.
 */
export async function pullDatabase(
  ref: string,
  destinationRoot: string,
  clientOptions: RegistryClientOptions = {},
): Promise<PulledDatabase> {
  const name = parseDockerReference(ref);
  const label = `vulnerability database ${name.canonical}`;
  const client = new RegistryClient(name.registry, clientOptions);
  const manifest = await client.getManifest(name.repository, name.digest ?? (name.tag as string), [MANIFEST_MEDIA_TYPE], MANIFEST_LIMIT);
  const { layer, schemaVersion } = parseDatabaseManifest(manifest.bytes, label);
  if (schemaVersion !== undefined && schemaVersion > SCHEMA_VERSION) {
    throw new UserError(
      `${label} was built by a newer portcullis (schema ${schemaVersion}; this one reads ${SCHEMA_VERSION}): upgrade portcullis, or pull the tag of schema ${SCHEMA_VERSION}`,
    );
  }
  const dir = cacheEntryDir(destinationRoot, manifest.digest);
  if (await isIntact(dir)) return { dir, digest: manifest.digest, downloaded: false };
  if (layer.size > MAX_UNPACKED_BYTES) throw new UserError(`${label}: its layer is ${layer.size} bytes, more than a database may be`);
  await mkdir(destinationRoot, { recursive: true });
  const unpacked = join(destinationRoot, `.pull-${randomUUID()}`);
  const download = `${unpacked}.layer`;
  await mkdir(unpacked);
  try {
    // Downloaded and verified whole before unpacking: the tar reader never sees bytes the
    // digest does not vouch for, and a tampered layer always reads as one.
    const blob = await client.openBlob(name.repository, layer.digest);
    // Opened before the copy, not lazily by the stream: a failing copy cannot then create the
    // file after the cleanup below has removed it.
    const file = await open(download, "w");
    await pipeline(verifyingStream(blob, layer.digest, `${label}: layer ${layer.digest}`, layer.size), file.createWriteStream());
    await unpackDatabase(createReadStream(download), unpacked, label, inflationCap(layer.size));
    await verifyDatabase(unpacked, label);
    await storeEntry(unpacked, dir);
  } finally {
    await rm(download, { force: true });
    await rm(unpacked, { recursive: true, force: true });
  }
  return { dir, digest: manifest.digest, downloaded: true };
}
