import type { PssVersion } from "../rules/index.js";

/** `1.29` or `v1.29` → { major: 1, minor: 29 }; anything else → undefined. */
export function parseKubernetesVersion(text: string): { major: 1; minor: number } | undefined {
  const minor = /^v?1\.(\d+)$/.exec(text)?.[1];
  return minor === undefined ? undefined : { major: 1, minor: Number(minor) };
}

/** `latest` or `v1.N`, as pod-security-admission names its versions. */
export function parsePssVersion(text: string): PssVersion | undefined {
  if (text === "latest") return "latest";
  return text.startsWith("v") ? parseKubernetesVersion(text) : undefined;
}
