/**
 * The database as an OCI artifact, as the OCI image spec 1.1 guides artifact authors: an
 * image manifest with an `artifactType`, the empty config, and one layer (the database
 * directory as tar+gzip) whose title annotation makes `oras pull` save it as a file.
 */
import { UserError } from "../../errors.js";
import { isDigest } from "../../image/sources/digest.js";
import { isRecord } from "../../records.js";
import type { DatabaseMetadata } from "../db/format.js";

export const MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";
export const ARTIFACT_TYPE = "application/vnd.portcullis.vulndb.v1";
export const LAYER_MEDIA_TYPE = "application/vnd.portcullis.vulndb.layer.v1.tar+gzip";
export const LAYER_TITLE = "portcullis-db.tar.gz";
/** The spec's empty descriptor: the two bytes `{}`. */
export const EMPTY_CONFIG = {
  mediaType: "application/vnd.oci.empty.v1+json",
  digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
  size: 2,
  data: "e30=",
} as const;
export const EMPTY_CONFIG_BYTES = Buffer.from("{}");
export const TITLE_ANNOTATION = "org.opencontainers.image.title";
export const CREATED_ANNOTATION = "org.opencontainers.image.created";
export const SCHEMA_ANNOTATION = "dev.portcullis.vulndb.schema-version";
/** A database manifest is a few hundred bytes. */
export const MANIFEST_LIMIT = 64 * 1024;

export interface LayerDescriptor {
  digest: string;
  size: number;
}

export function databaseManifest(layer: LayerDescriptor, metadata: DatabaseMetadata): Buffer {
  const manifest = {
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    artifactType: ARTIFACT_TYPE,
    config: EMPTY_CONFIG,
    layers: [{ mediaType: LAYER_MEDIA_TYPE, digest: layer.digest, size: layer.size, annotations: { [TITLE_ANNOTATION]: LAYER_TITLE } }],
    annotations: { [CREATED_ANNOTATION]: metadata.builtAt, [SCHEMA_ANNOTATION]: String(metadata.schemaVersion) },
  };
  return Buffer.from(JSON.stringify(manifest));
}

export interface DatabaseManifest {
  layer: LayerDescriptor;
  /** From the annotation, when it is there: lets a pull refuse a newer schema before downloading. */
  schemaVersion?: number;
}

/** What a database manifest says; anything else (an image, another artifact) is a UserError naming `label`. */
export function parseDatabaseManifest(bytes: Buffer, label: string): DatabaseManifest {
  let manifest: unknown;
  try {
    manifest = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new UserError(`${label} is not a JSON manifest`);
  }
  const notDatabase = (why: string) =>
    new UserError(`${label} is not a portcullis vulnerability database (${why}); check the repository and tag`);
  if (!isRecord(manifest) || manifest.schemaVersion !== 2) throw notDatabase("not an OCI image manifest");
  if (manifest.artifactType !== ARTIFACT_TYPE) throw notDatabase(`its artifactType is ${JSON.stringify(manifest.artifactType)}`);
  const layers = Array.isArray(manifest.layers)
    ? manifest.layers.filter((layer) => isRecord(layer) && layer.mediaType === LAYER_MEDIA_TYPE)
    : [];
  const layer = layers[0] as Record<string, unknown> | undefined;
  if (layers.length !== 1 || !layer) throw notDatabase(`it does not have exactly one ${LAYER_MEDIA_TYPE} layer`);
  if (typeof layer.digest !== "string" || !isDigest(layer.digest) || !Number.isSafeInteger(layer.size) || (layer.size as number) < 0)
    throw notDatabase("its layer descriptor has no valid digest and size");
  const schemaVersion = Number(isRecord(manifest.annotations) ? manifest.annotations[SCHEMA_ANNOTATION] : undefined);
  return { layer: { digest: layer.digest, size: layer.size as number }, ...(Number.isSafeInteger(schemaVersion) && { schemaVersion }) };
}
