import { PackageURL } from "packageurl-js";
import type { OsInfo } from "./types.js";

export interface PurlParts {
  type: string;
  namespace?: string;
  name: string;
  version?: string;
  /** Empty or undefined values are left out. */
  qualifiers?: Record<string, string | undefined>;
}

/**
 * A Package URL, canonical as the purl specification's test suite expects. packageurl-js
 * validates and normalises the parts (e.g. lower-case deb names), but it leaves `+` in
 * versions unencoded, where the spec requires `%2B` (`1:2.4.47-2+b1` → `1:2.4.47-2%2Bb1`);
 * so the string is written here: only letters, digits, `.-_~` and `:` stay as they are.
 */
export function packageUrl(parts: PurlParts): string {
  const qualifiers = Object.fromEntries(
    Object.entries(parts.qualifiers ?? {}).filter((entry): entry is [string, string] => Boolean(entry[1])),
  );
  const purl = new PackageURL(parts.type, parts.namespace, parts.name, parts.version, qualifiers, undefined);
  let text = `pkg:${purl.type}/`;
  if (purl.namespace) text += `${purl.namespace.split("/").map(encodeComponent).join("/")}/`;
  text += encodeComponent(purl.name);
  if (purl.version) text += `@${encodeComponent(purl.version)}`;
  const keys = Object.keys(purl.qualifiers ?? {}).sort();
  if (keys.length > 0) text += `?${keys.map((key) => `${key}=${encodeComponent(String(purl.qualifiers?.[key]))}`).join("&")}`;
  return text;
}

function encodeComponent(value: string): string {
  // encodeURIComponent keeps !'()* as they are; the purl spec encodes them and keeps `:`.
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%3A/g, ":");
}

/** The `distro` qualifier of OS packages: `debian-12`, `alpine-3.11.5`; undefined when the release is unknown. */
export function distroQualifier(os: OsInfo | undefined): string | undefined {
  return os?.version ? `${os.family}-${os.version}` : undefined;
}
