import { resolve } from "node:path";
import { UserError } from "./errors.js";
import {
  type ImageInventory,
  type ImageInventoryOptions,
  imageName,
  imageSourceFile,
  imageTargetId,
  inventoryImage,
} from "./image/inventory-image.js";
import { defaultCacheDir } from "./image/layers/index.js";
import type { ImageLocations } from "./manifests/image-locations.js";
import { matchPackages } from "./match/index.js";
import { vulnerabilityFindings, vulnerabilityRule } from "./match/to-findings.js";
import type { Finding, ImageSummary, Location, RuleDescriptor, ScanIssue, ScanTarget } from "./model/index.js";
import { relativePath } from "./paths.js";
import { DEFAULT_DB_REPOSITORY, openOnlineDatabase, resolveDatabase, type VulnerabilityDatabase } from "./vulndb/index.js";

/** How image packages are matched against the vulnerability database. */
export interface VulnerabilityOptions {
  /** False: inventory only, no database needed. */
  enabled?: boolean;
  /** A database directory (`portcullis db build`); no registry is asked. */
  db?: string;
  /** Repositories the database artifact is pulled from, in order (default: the public one). */
  repositories?: readonly string[];
  /** Use the cached database without asking any registry. */
  skipUpdate?: boolean;
  /** Refuse a database older than this. */
  maxAgeHours?: number;
  /** Report only vulnerabilities that have a fixed version. */
  onlyFixed?: boolean;
  /** Ask the OSV API (this endpoint, e.g. https://api.osv.dev) instead of a database. */
  osvApi?: string;
}

export interface ScannedImages {
  targets: ScanTarget[];
  summaries: ImageSummary[];
  findings: Finding[];
  rules: RuleDescriptor[];
  errors: ScanIssue[];
  warnings: ScanIssue[];
}

const DATABASE_ISSUE_PATH = "vulnerability database";

/** Where findings about an image go: the manifest line that deploys it, else its file in the repository. */
export interface ImagePlacement {
  sourceRoot: string;
  manifests: ImageLocations;
}

/**
 * Each image is its own target: inventoried, then matched against the database (opened once,
 * only when there are images). An image that cannot be read is an error and the others go on;
 * a database that cannot be had is one error, and the inventories are still reported.
 */
export async function scanImages(
  refs: readonly string[],
  options: ImageInventoryOptions,
  vulnerabilities: VulnerabilityOptions,
  placement: ImagePlacement,
): Promise<ScannedImages> {
  const scanned: ScannedImages = { targets: [], summaries: [], findings: [], rules: [], errors: [], warnings: [] };
  if (refs.length === 0) return scanned;
  const enabled = vulnerabilities.enabled !== false;
  const offline = enabled && vulnerabilities.osvApi === undefined;
  const database = offline ? await openDatabaseFor(options, vulnerabilities, scanned) : undefined;
  try {
    for (const ref of refs) {
      const image = await inventoryOrError(ref, options, scanned);
      if (!image || !enabled) continue;
      // Online only when asked: a database that could not be had must not send the packages elsewhere.
      const source = offline ? database : await onlineDatabaseFor(image, vulnerabilities.osvApi as string, scanned);
      if (source) matchImage(image, source, vulnerabilities, locationOf(image.ref, placement), scanned);
    }
  } finally {
    database?.close();
  }
  return scanned;
}

/** Runs `action`; a UserError it throws becomes an error of the report at `path`, and undefined. */
async function orIssue<T>(path: string, scanned: ScannedImages, action: () => Promise<T>): Promise<T | undefined> {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    const message = `${error.message.replace(/\.$/, "")}${error.hint ? `. ${error.hint}` : ""}`;
    scanned.errors.push({ path, message });
    return undefined;
  }
}

function openDatabaseFor(
  options: ImageInventoryOptions,
  vulnerabilities: VulnerabilityOptions,
  scanned: ScannedImages,
): Promise<VulnerabilityDatabase | undefined> {
  return orIssue(DATABASE_ISSUE_PATH, scanned, async () => {
    const resolved = await resolveDatabase({
      ...(vulnerabilities.db !== undefined && { db: vulnerabilities.db }),
      repositories: [...(vulnerabilities.repositories ?? [DEFAULT_DB_REPOSITORY])],
      cacheDir: options.cacheDir ?? defaultCacheDir(),
      ...(vulnerabilities.skipUpdate && { skipUpdate: true }),
      ...(vulnerabilities.maxAgeHours !== undefined && { maxAgeHours: vulnerabilities.maxAgeHours }),
      ...(options.registry && { registry: options.registry }),
    });
    for (const warning of resolved.warnings) scanned.warnings.push({ path: DATABASE_ISSUE_PATH, message: warning });
    return resolved.database;
  });
}

/** The OSV API asked about this image's packages only; a failure is an error of this image. */
function onlineDatabaseFor(image: ImageInventory, endpoint: string, scanned: ScannedImages): Promise<VulnerabilityDatabase | undefined> {
  return orIssue(image.ref, scanned, () => openOnlineDatabase(image.packages, image.os, { endpoint }));
}

function inventoryOrError(ref: string, options: ImageInventoryOptions, scanned: ScannedImages): Promise<ImageInventory | undefined> {
  return orIssue(ref, scanned, async () => {
    const image = await inventoryImage(ref, options);
    scanned.targets.push({ id: imageTargetId(ref), kind: "image", input: ref });
    scanned.summaries.push({
      ref,
      ...(image.digest && { digest: image.digest }),
      ...(image.os && { os: { family: image.os.family, ...(image.os.version && { version: image.os.version }) } }),
      packages: image.packages.length,
    });
    for (const note of image.notes) scanned.warnings.push({ path: ref, message: note });
    return image;
  });
}

function locationOf(ref: string, placement: ImagePlacement): Location | undefined {
  const name = imageName(ref);
  const deployed = name && placement.manifests.of(name);
  if (deployed) return deployed;
  const file = imageSourceFile(ref);
  return file === undefined ? undefined : { path: relativePath(placement.sourceRoot, resolve(file)), startLine: 1 };
}

function matchImage(
  image: ImageInventory,
  database: VulnerabilityDatabase,
  options: VulnerabilityOptions,
  location: Location | undefined,
  scanned: ScannedImages,
): void {
  const { matches, notes } = matchPackages(image.packages, image.os, database, { onlyFixed: options.onlyFixed ?? false });
  for (const note of notes) scanned.warnings.push({ path: image.ref, message: note });
  // Loops, not push(...items): an image can have tens of thousands of matches.
  for (const finding of vulnerabilityFindings(image, matches, location)) scanned.findings.push(finding);
  const described = new Set(scanned.rules.map((rule) => rule.id));
  for (const match of matches) {
    if (described.has(match.id)) continue;
    described.add(match.id);
    scanned.rules.push(vulnerabilityRule(match));
  }
}
