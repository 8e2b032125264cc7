import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { UserError } from "../../errors.js";
import type { ImageSource } from "../types.js";
import { resolveDockerArchive } from "./docker-archive.js";
import { tarStore } from "./tar-store.js";

const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";

/** Where the Engine API listens: DOCKER_HOST as the docker CLI reads it. */
interface Endpoint {
  label: string;
  socketPath?: string;
  host?: string;
  port?: number;
}

/**
 * An image from the local Docker daemon, exported through the Engine API
 * (`GET /images/{name}/get`, what `docker image save` uses) and read as a docker-archive.
 * `docker save` writes an image's manifest after its layers, so the export is kept in a
 * private temporary file, removed when the process exits, rather than read in one pass.
 */
export function dockerDaemonSource(image: string, ref: string, env: NodeJS.ProcessEnv = process.env): ImageSource {
  return {
    resolve: async (options = {}) => {
      const endpoint = endpointOf(env.DOCKER_HOST ?? DEFAULT_DOCKER_HOST, env);
      const archive = await exportImage(endpoint, image, ref);
      return resolveDockerArchive(await tarStore(archive, `docker-daemon ${ref}`), undefined, options, ref);
    },
  };
}

function endpointOf(dockerHost: string, env: NodeJS.ProcessEnv): Endpoint {
  if (env.DOCKER_TLS_VERIFY) {
    throw new UserError(
      `DOCKER_HOST ${dockerHost} asks for TLS (DOCKER_TLS_VERIFY), which portcullis does not speak to the daemon yet.`,
      "Export the image with `docker image save -o image.tar NAME` and scan docker-archive:image.tar.",
    );
  }
  if (dockerHost.startsWith("unix://")) return { label: dockerHost, socketPath: dockerHost.slice("unix://".length) };
  const tcp = /^tcp:\/\/([^:/]+):(\d+)\/?$/.exec(dockerHost);
  if (tcp) return { label: dockerHost, host: tcp[1], port: Number(tcp[2]) };
  throw new UserError(
    `DOCKER_HOST ${JSON.stringify(dockerHost)} is not unix:///PATH or tcp://HOST:PORT.`,
    "Fix DOCKER_HOST, or unset it to use /var/run/docker.sock.",
  );
}

async function exportImage(endpoint: Endpoint, image: string, ref: string): Promise<string> {
  const response = await get(endpoint, `/images/${encodeURIComponent(image)}/get`, ref);
  if (response.statusCode !== 200) throw await daemonRefusal(response, ref);
  const dir = mkdtempSync(join(tmpdir(), "portcullis-daemon-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const archive = join(dir, "image.tar");
  await pipeline(response, createWriteStream(archive, { mode: 0o600 }));
  return archive;
}

function get(endpoint: Endpoint, path: string, ref: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const target = endpoint.socketPath ? { socketPath: endpoint.socketPath } : { host: endpoint.host, port: endpoint.port };
    const request = httpRequest({ ...target, path, method: "GET", headers: { Host: "docker" } }, resolve);
    request.on("error", (error: NodeJS.ErrnoException) =>
      reject(
        new UserError(
          `image ${JSON.stringify(ref)}: cannot reach the Docker daemon at ${endpoint.label} (${error.code ?? error.message}).`,
          "Start Docker, or set DOCKER_HOST; or scan an exported image: docker-archive:PATH.",
        ),
      ),
    );
    request.end();
  });
}

/** The daemon's own explanation (`{"message": …}`), bounded, for a status other than 200. */
async function daemonRefusal(response: IncomingMessage, ref: string): Promise<UserError> {
  let body = "";
  for await (const chunk of response) {
    body += String(chunk);
    if (body.length > 4096) break;
  }
  response.destroy();
  let message = body.trim().slice(0, 300);
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === "string") message = parsed.message;
  } catch {
    // not JSON: keep the text
  }
  const hint = response.statusCode === 404 ? "List local images with `docker image ls`." : "Check the daemon's logs.";
  return new UserError(`image ${JSON.stringify(ref)}: the Docker daemon answered ${response.statusCode}: ${message}.`, hint);
}
