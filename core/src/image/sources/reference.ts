import { UserError } from "../../errors.js";
import { isDigest } from "./digest.js";

/** An image name as a registry knows it, normalised as Docker does (`nginx` → `docker.io/library/nginx:latest`). */
export interface DockerReference {
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
  /** The normalised form: `registry/repository[:tag][@digest]`. */
  canonical: string;
}

/** A parsed image reference, by skopeo's transport names. */
export type ImageReference =
  | { transport: "docker"; name: DockerReference }
  | { transport: "docker-daemon"; name: DockerReference }
  | { transport: "docker-daemon"; imageId: string }
  | { transport: "docker-archive"; path: string; image?: DockerReference }
  | { transport: "oci"; path: string; tag?: string; digest?: string }
  | { transport: "oci-archive"; path: string; tag?: string };

const DOCKER_HUB = "docker.io";
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$|^\[[0-9a-fA-F:]+\](?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const MAX_NAME_LENGTH = 255;
/** skopeo transports we know but cannot read, so they are not mistaken for a Docker Hub name. */
const UNSUPPORTED_TRANSPORTS = ["containers-storage", "dir", "ostree", "sif", "tarball"];

function invalid(text: string, why: string): UserError {
  return new UserError(`image reference ${JSON.stringify(text)} is not valid: ${why}`);
}

/** The first path component is a registry when it has a `.` or `:`, is `localhost`, or has capitals. */
function splitRegistry(name: string): [string, string] {
  const slash = name.indexOf("/");
  const first = name.slice(0, slash);
  if (slash === -1 || (!/[.:]/.test(first) && first !== "localhost" && first === first.toLowerCase())) {
    return [DOCKER_HUB, name];
  }
  return [first === "index.docker.io" ? DOCKER_HUB : first, name.slice(slash + 1)];
}

export function parseDockerReference(text: string): DockerReference {
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) throw invalid(text, `${JSON.stringify(digest)} is not a sha256 digest`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(text, `${JSON.stringify(tag)} is not a valid tag`);
  }
  const [registry, path] = splitRegistry(rest);
  if (!DOMAIN.test(registry)) throw invalid(text, `${JSON.stringify(registry)} is not a registry host`);
  const repository = registry === DOCKER_HUB && !path.includes("/") ? `library/${path}` : path;
  if (!repository.split("/").every((component) => COMPONENT.test(component))) {
    throw invalid(text, "a repository name is lowercase letters, digits and separators (. _ __ -) between slashes");
  }
  if (registry.length + 1 + repository.length > MAX_NAME_LENGTH)
    throw invalid(text, `the name is longer than ${MAX_NAME_LENGTH} characters`);
  if (tag === undefined && digest === undefined) tag = "latest";
  const canonical = `${registry}/${repository}${tag ? `:${tag}` : ""}${digest ? `@${digest}` : ""}`;
  return { registry, repository, ...(tag && { tag }), ...(digest && { digest }), canonical };
}

/** `PATH[:SUFFIX]`, split at the first colon as skopeo does. */
function splitPath(rest: string, text: string): [string, string | undefined] {
  const colon = rest.indexOf(":");
  const path = colon === -1 ? rest : rest.slice(0, colon);
  const suffix = colon === -1 ? undefined : rest.slice(colon + 1);
  if (path === "") throw invalid(text, "the path is empty");
  if (suffix === "") throw invalid(text, "nothing follows the colon after the path");
  return [path, suffix];
}

function parseOci(rest: string, text: string): ImageReference {
  const digestAt = rest.search(/@sha(256|512):[a-f0-9]+$/);
  if (digestAt !== -1) {
    const digest = rest.slice(digestAt + 1);
    if (!isDigest(digest)) throw invalid(text, `${JSON.stringify(digest)} is not a digest`);
    const [path] = splitPath(rest.slice(0, digestAt), text);
    return { transport: "oci", path, digest };
  }
  const [path, tag] = splitPath(rest, text);
  return { transport: "oci", path, ...(tag && { tag }) };
}

function parseDaemon(rest: string, text: string): ImageReference {
  if (isDigest(rest)) return { transport: "docker-daemon", imageId: rest };
  const name = parseDockerReference(rest);
  if (!rest.includes("@") && !/:[^/]*$/.test(rest)) throw invalid(text, "docker-daemon: needs NAME:TAG, NAME@DIGEST or an image ID");
  return { transport: "docker-daemon", name };
}

/** Parses `docker://REF`, a bare `REF`, `docker-archive:PATH[:REF]`, `oci:DIR[:TAG|@DIGEST]`, `oci-archive:PATH[:TAG]`, `docker-daemon:NAME:TAG`. */
export function parseImageReference(text: string): ImageReference {
  if (text.startsWith("docker://")) return { transport: "docker", name: parseDockerReference(text.slice("docker://".length)) };
  const colon = text.indexOf(":");
  const transport = colon === -1 ? "" : text.slice(0, colon);
  const rest = text.slice(colon + 1);
  switch (transport) {
    case "docker-archive": {
      const [path, image] = splitPath(rest, text);
      return { transport, path, ...(image && { image: parseDockerReference(image) }) };
    }
    case "oci":
      return parseOci(rest, text);
    case "oci-archive": {
      const [path, tag] = splitPath(rest, text);
      return { transport, path, ...(tag && { tag }) };
    }
    case "docker-daemon":
      return parseDaemon(rest, text);
  }
  if (UNSUPPORTED_TRANSPORTS.includes(transport))
    throw new UserError(`image reference ${JSON.stringify(text)}: the ${transport}: transport is not supported`);
  return { transport: "docker", name: parseDockerReference(text) };
}
