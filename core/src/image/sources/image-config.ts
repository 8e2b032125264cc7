import { UserError } from "../../errors.js";
import type { Platform } from "../types.js";
import { parseDigest } from "./digest.js";
import { formatPlatform, samePlatform } from "./platform.js";

/** Manifests, indexes and configs are read whole; none of a real image comes near this. */
export const JSON_LIMIT = 8 * 1024 * 1024;

export type JsonObject = Record<string, unknown>;

export function parseJson(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    throw new UserError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}

export function parseJsonObject(bytes: Buffer, what: string): JsonObject {
  const value = parseJson(bytes, what);
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new UserError(`${what} is not a JSON object`);
  return value as JsonObject;
}

/** The platform an image config says it is for. */
export function platformOfConfig(config: JsonObject, what: string): Platform {
  const { os, architecture, variant } = config;
  if (typeof os !== "string" || typeof architecture !== "string") throw new UserError(`${what} has no os and architecture`);
  return typeof variant === "string" && variant !== "" ? { os, architecture, variant } : { os, architecture };
}

/** The config's `rootfs.diff_ids`, one per layer. */
export function diffIdsOf(config: JsonObject, what: string, layerCount: number): string[] {
  const rootfs = config.rootfs as JsonObject | undefined;
  const diffIds = rootfs?.diff_ids;
  if (!Array.isArray(diffIds)) throw new UserError(`${what} has no rootfs.diff_ids list`);
  if (diffIds.length !== layerCount) {
    throw new UserError(`${what} lists ${diffIds.length} diff IDs for ${layerCount} layers`);
  }
  return diffIds.map((diffId, index) => parseDigest(diffId, `${what} rootfs.diff_ids[${index}]`));
}

/** A single-platform image answers only a platform asked for explicitly; the default takes what there is. */
export function checkAskedPlatform(actual: Platform, asked: Platform | undefined, where: string): void {
  if (asked && !samePlatform(actual, asked)) {
    throw new UserError(`${where} is for ${formatPlatform(actual)}, not the ${formatPlatform(asked)} asked for`);
  }
}
