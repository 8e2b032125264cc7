import { createReadStream, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliAsync } from "./support/cli.js";
import { tempTree } from "./support/files.js";
import { realPartAvailable } from "./support/real-parts.js";

const ALPINE = resolve("../shared/images/alpine-311.docker-archive.tar.gz");
const alpineHere = realPartAvailable("the shared Alpine 3.11 image", ALPINE, "check out ../shared beside the repository", "read");
/** Engine API paths for exporting an image, optionally versioned (docker API reference, ImageGet). */
const IMAGE_GET = /^\/(?:v\d+\.\d+\/)?images\/([^/]+)\/get$/;

/**
 * No Docker engine runs here, so a local server on a unix socket answers the one Engine API
 * call the daemon source makes, with a real `docker save` archive, and checks the request.
 */
describe.skipIf(!alpineHere)("docker-daemon: images", () => {
  const dir = tempTree();
  const socket = join(dir, "docker.sock");
  const archive = join(dir, "alpine.tar");
  const requests: string[] = [];
  let server: Server;

  beforeAll(async () => {
    writeFileSync(archive, gunzipSync(readFileSync(ALPINE)));
    server = createServer((request, response) => {
      requests.push(`${request.method} ${request.url}`);
      const name = IMAGE_GET.exec(request.url ?? "")?.[1];
      if (request.method !== "GET" || !name) {
        response.writeHead(400).end(JSON.stringify({ message: "not an ImageGet request" }));
      } else if (decodeURIComponent(name) === "docker.io/library/alpine:3.11") {
        response.writeHead(200, { "Content-Type": "application/x-tar" });
        createReadStream(archive).pipe(response);
      } else {
        response.writeHead(404, { "Content-Type": "application/json" });
        response.end(JSON.stringify({ message: `reference does not exist: ${decodeURIComponent(name)}` }));
      }
    });
    await new Promise<void>((done) => server.listen(socket, done));
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  const env = { DOCKER_HOST: `unix://${socket}` };

  it("exports the image through the Engine API and inventories it like the saved archive", async () => {
    const result = await runCliAsync(
      ["scan", "--image", "docker-daemon:alpine:3.11", "--format", "json", "--no-cache", "--inventory-only"],
      { env },
    );
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout).inventory.images).toEqual([
      { ref: "docker-daemon:alpine:3.11", os: { family: "alpine", version: "3.11.5" }, packages: 14 },
    ]);
    expect(requests.at(-1)).toBe(`GET /images/${encodeURIComponent("docker.io/library/alpine:3.11")}/get`);
  });

  it("passes on the daemon's answer for an image it does not have", async () => {
    const result = await runCliAsync(["scan", "--image", "docker-daemon:nginx:1.27", "--no-cache"], { env });
    expect(result.status).toBe(2);
    expect(result.stdout.replace(/\s+/g, " ")).toContain(
      'docker-daemon:nginx:1.27: image "docker-daemon:nginx:1.27": the Docker daemon answered 404: reference does not exist: docker.io/library/nginx:1.27',
    );
  });

  it("says where it looked when no daemon listens", async () => {
    const result = await runCliAsync(["sbom", "docker-daemon:alpine:3.11"], { env: { DOCKER_HOST: `unix://${join(dir, "absent.sock")}` } });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      /cannot reach the Docker daemon at unix:\/\/.*absent\.sock \(ENOENT\)\. Start Docker, or set DOCKER_HOST/,
    );
  });
});
