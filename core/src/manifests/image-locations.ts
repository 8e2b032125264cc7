import { type DockerReference, parseDockerReference } from "../image/sources/reference.js";
import type { Location } from "../model/index.js";
import { locate } from "./positions.js";
import type { Workload } from "./workloads.js";

/** The names one image goes by: `registry/repository:tag` and `registry/repository@digest`. */
function namesOf(reference: DockerReference): string[] {
  const repository = `${reference.registry}/${reference.repository}`;
  return [...(reference.tag ? [`${repository}:${reference.tag}`] : []), ...(reference.digest ? [`${repository}@${reference.digest}`] : [])];
}

/**
 * Where the manifests name each image (the first container `image:` field that does), by
 * every name the reference carries, so that an image's vulnerabilities can point at the line
 * that deploys it. Unparsable image fields are left to the image hygiene rules.
 */
export class ImageLocations {
  private readonly byName = new Map<string, Location>();

  add(workloads: readonly Workload[]): void {
    for (const { resource, containers } of workloads) {
      for (const container of containers) {
        const image = container.spec.image;
        if (typeof image !== "string") continue;
        let reference: DockerReference;
        try {
          reference = parseDockerReference(image);
        } catch {
          continue;
        }
        for (const name of namesOf(reference)) {
          if (!this.byName.has(name)) this.byName.set(name, locate(resource.source, [...resource.basePath, ...container.path, "image"]));
        }
      }
    }
  }

  /** Where the manifests deploy `reference`, if they do. */
  of(reference: DockerReference): Location | undefined {
    for (const name of namesOf(reference)) {
      const location = this.byName.get(name);
      if (location) return location;
    }
    return undefined;
  }
}
