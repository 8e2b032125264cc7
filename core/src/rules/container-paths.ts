import type { FieldPath } from "../manifests/positions.js";
import type { Container } from "../manifests/workloads.js";

/**
 * Where a finding about `fields` of a container goes: the field path when its first field is
 * set (the engine then points at the deepest part that exists), else the container's `name`,
 * which is where a reader looks for the container; a container without a name is pointed at
 * as a whole.
 */
export function containerFieldPath(container: Container, ...fields: [string, ...(string | number)[]]): FieldPath {
  const [first] = fields;
  if (container.spec[first] !== undefined && container.spec[first] !== null) return [...container.path, ...fields];
  return container.spec.name === undefined ? container.path : [...container.path, "name"];
}
