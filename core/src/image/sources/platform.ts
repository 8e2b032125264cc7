import { UserError } from "../../errors.js";
import type { Platform } from "../types.js";

export const DEFAULT_PLATFORM: Platform = { os: "linux", architecture: "amd64" };

/** `os/arch[/variant]`, as `--platform` takes it. */
export function parsePlatform(text: string): Platform {
  const parts = text.split("/");
  const [os, architecture, variant] = parts;
  if (parts.length > 3 || !os || !architecture || (parts.length === 3 && !variant)) {
    throw new UserError(`platform ${JSON.stringify(text)} is not os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8`);
  }
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join("/");
}

const ARM_DEFAULT_VARIANT: Record<string, string> = { arm64: "v8", arm: "v7" };

/** Architecture aliases and default variants as containerd normalises them: arm64 ≙ arm64/v8, aarch64 ≙ arm64. */
function normalise(platform: Platform): Required<Platform> {
  const os = platform.os.toLowerCase();
  let architecture = platform.architecture.toLowerCase();
  let variant = (platform.variant ?? "").toLowerCase();
  if (architecture === "x86_64" || architecture === "x86-64") architecture = "amd64";
  else if (architecture === "aarch64") architecture = "arm64";
  else if (architecture === "i386") architecture = "386";
  else if (architecture === "armhf") [architecture, variant] = ["arm", "v7"];
  else if (architecture === "armel") [architecture, variant] = ["arm", "v6"];
  if (/^\d+$/.test(variant)) variant = `v${variant}`;
  if (architecture === "amd64" && variant === "v1") variant = "";
  if (variant === "") variant = ARM_DEFAULT_VARIANT[architecture] ?? "";
  return { os, architecture, variant };
}

export function samePlatform(a: Platform, b: Platform): boolean {
  const [left, right] = [normalise(a), normalise(b)];
  return left.os === right.os && left.architecture === right.architecture && left.variant === right.variant;
}
