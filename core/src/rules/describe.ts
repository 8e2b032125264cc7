import type { Resource } from "../manifests/load.js";
import type { Container } from "../manifests/workloads.js";

/** `Deployment shop/web`, or `Pod web` when no namespace is set. */
export function describeResource(resource: Resource): string {
  const name = resource.name ?? "(unnamed)";
  return resource.namespace ? `${resource.kind} ${resource.namespace}/${name}` : `${resource.kind} ${name}`;
}

const GROUP_LABEL = { containers: "Container", initContainers: "Init container", ephemeralContainers: "Ephemeral container" };

/** `Container "app" in Deployment shop/web`. */
export function describeContainer(container: Container, resource: Resource): string {
  return `${GROUP_LABEL[container.group]} "${container.name}" in ${describeResource(resource)}`;
}
