import { resolve } from "node:path";
import { clientOptionsFor, type RegistrySettings } from "../../registry/settings.js";
import type { ImageSource } from "../types.js";
import { resolveDockerArchive } from "./docker-archive.js";
import { dockerDaemonSource } from "./docker-daemon.js";
import { directoryStore } from "./file-store.js";
import { resolveOciLayout } from "./oci-layout.js";
import { parseImageReference } from "./reference.js";
import { registryImageSource } from "./registry.js";
import { tarStore } from "./tar-store.js";

export { DEFAULT_PLATFORM, formatPlatform, parsePlatform, samePlatform } from "./platform.js";
export { type DockerReference, type ImageReference, parseDockerReference, parseImageReference } from "./reference.js";

export interface ImageSourceOptions {
  /** Credentials and plain-HTTP registries, for `docker://` references. */
  registry?: RegistrySettings;
}

/** The source an image reference names. */
export function openImageSource(ref: string, options: ImageSourceOptions = {}): ImageSource {
  const parsed = parseImageReference(ref);
  switch (parsed.transport) {
    case "oci": {
      const store = directoryStore(resolve(parsed.path), `OCI layout ${parsed.path}`);
      const selection = { ...(parsed.tag && { tag: parsed.tag }), ...(parsed.digest && { digest: parsed.digest }) };
      return { resolve: (options = {}) => resolveOciLayout(store, selection, options, ref) };
    }
    case "oci-archive":
      return {
        resolve: async (options = {}) =>
          resolveOciLayout(
            await tarStore(resolve(parsed.path), `oci-archive ${parsed.path}`),
            parsed.tag ? { tag: parsed.tag } : {},
            options,
            ref,
          ),
      };
    case "docker-archive":
      return {
        resolve: async (options = {}) =>
          resolveDockerArchive(await tarStore(resolve(parsed.path), `docker-archive ${parsed.path}`), parsed.image, options, ref),
      };
    case "docker":
      return registryImageSource(parsed.name, ref, clientOptionsFor(parsed.name.registry, options.registry));
    case "docker-daemon":
      return dockerDaemonSource("name" in parsed ? parsed.name.canonical : parsed.imageId, ref);
  }
}
