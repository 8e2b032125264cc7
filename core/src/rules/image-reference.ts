/**
 * Container image references as container runtimes read them: the grammar of
 * distribution/reference (github.com/distribution/reference, reference.go) with Docker's
 * normalisation of short names (`nginx` is `docker.io/library/nginx`).
 */

/** A parsed image reference, normalised the way Docker and containerd resolve it. */
export interface ImageReference {
  /** Registry host, with its port if any: `docker.io` for Docker Hub short names. */
  registry: string;
  /** Repository path below the registry: `library/nginx` for `nginx`. */
  repository: string;
  tag?: string;
  /** `algorithm:hex`, e.g. `sha256:…`. */
  digest?: string;
}

const DOCKER_HUB = "docker.io";
const LEGACY_DOCKER_HUB = "index.docker.io";
const NAME_TOTAL_LENGTH_MAX = 255;
/** Name, tag and the longest digest fit well within this; longer input is refused before the regex runs. */
const REFERENCE_LENGTH_MAX = 1024;

// The grammar of distribution/reference, piece by piece.
const ALPHA_NUMERIC = "[a-z0-9]+";
const SEPARATOR = "(?:[_.]|__|-+)";
const PATH_COMPONENT = `${ALPHA_NUMERIC}(?:${SEPARATOR}${ALPHA_NUMERIC})*`;
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6_ADDRESS = "\\[[a-fA-F0-9:]+\\]";
const DOMAIN = `(?:${DOMAIN_NAME}|${IPV6_ADDRESS})(?::[0-9]+)?`;
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);

/** Digest algorithms go-digest accepts, with the length of their lowercase hex encoding. */
const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };

/** A reference that is only a 64-hex identifier is an image ID, not a name: refused, as Docker does. */
const IDENTIFIER = /^[a-f0-9]{64}$/;

/** The reference, normalised; undefined when a runtime would refuse it. */
export function parseImageReference(text: string): ImageReference | undefined {
  if (text.length > REFERENCE_LENGTH_MAX || IDENTIFIER.test(text)) return undefined;
  const match = REFERENCE.exec(text);
  if (!match) return undefined;
  const [, name = "", tag, digest] = match;
  if (digest !== undefined && !isValidDigest(digest)) return undefined;
  const { registry, repository } = splitRegistry(name);
  // Docker measures the normalised name: `docker.io/library/` counts for a short name.
  if (registry.length + 1 + repository.length > NAME_TOTAL_LENGTH_MAX) return undefined;
  return { registry, repository, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

/** `registry/repository`, the name an allow-list entry is compared with. */
export function fullName(reference: ImageReference): string {
  return `${reference.registry}/${reference.repository}`;
}

/**
 * Docker's rule: the first path component is a registry when it has a dot or a port, is
 * `localhost`, or has upper-case letters (which repository paths cannot); else the image is
 * on Docker Hub, where one-component names live under `library/`.
 */
function splitRegistry(name: string): { registry: string; repository: string } {
  const slash = name.indexOf("/");
  const first = slash < 0 ? "" : name.slice(0, slash);
  const isRegistry = first !== "" && (/[.:]/.test(first) || first === "localhost" || first !== first.toLowerCase());
  if (!isRegistry) return { registry: DOCKER_HUB, repository: slash < 0 ? `library/${name}` : name };
  const registry = first === LEGACY_DOCKER_HUB ? DOCKER_HUB : first;
  const repository = name.slice(slash + 1);
  return { registry, repository: registry === DOCKER_HUB && !repository.includes("/") ? `library/${repository}` : repository };
}

function isValidDigest(digest: string): boolean {
  const [algorithm = "", hex = ""] = digest.split(":");
  const length = DIGEST_HEX_LENGTH[algorithm];
  return length !== undefined && hex.length === length && /^[a-f0-9]+$/.test(hex);
}
