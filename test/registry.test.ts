import { execFileSync } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { walkLayers } from "../core/src/image/layers/index.js";
import { openImageSource } from "../core/src/image/sources/index.js";
import { parseDockerReference } from "../core/src/image/sources/reference.js";
import { registryImageSource } from "../core/src/image/sources/registry.js";
import type { Platform, ResolvedImage } from "../core/src/image/types.js";
import { inventoryOf, wantedByAnalyzers } from "../core/src/inventory/inventory.js";
import { parseChallenge, RegistryClient, type RegistryClientOptions, retryAfterMs } from "../core/src/registry/index.js";
import { runCli } from "./support/cli.js";
import { userErrorOf } from "./support/errors.js";
import { tempTree } from "./support/files.js";
import { realPartAvailable } from "./support/real-parts.js";
import {
  type FaultProxy,
  registryPartsAvailable,
  startFaultProxy,
  startRegistry,
  startTokenServer,
  type TestRegistry,
  type TokenServer,
} from "./support/registry.js";
import { ARCH_FILE, json, type Pushed, pushImage, tarOf } from "./support/registry-images.js";

const registryHere = registryPartsAvailable();
const ALPINE = "../shared/images/alpine-311.docker-archive.tar.gz";
const alpineHere = realPartAvailable("the shared Alpine 3.11 image", ALPINE, "check out ../shared beside the repository", "read");
const skopeoHere = realPartAvailable("skopeo", "/usr/bin/skopeo", "apt-get install -y skopeo");

const USER = "ci-robot";
const PASSWORD = "s3cret-Pa55word-xyz";
/** An environment with no credentials of the machine running the tests. */
const EMPTY_HOME = { DOCKER_CONFIG: "/nonexistent-portcullis-docker-config", PATH: process.env.PATH };
const QUICK_RETRY = { attempts: 3, baseDelayMs: 5, maxDelayMs: 2000 };

/** Pushes an OCI index over images for amd64 and arm64; returns the arm64 image. */
async function pushMultiArch(client: RegistryClient, repository: string, tag: string): Promise<Pushed> {
  const platforms: Platform[] = [
    { os: "linux", architecture: "amd64" },
    { os: "linux", architecture: "arm64", variant: "v8" },
  ];
  const images = await Promise.all(platforms.map((platform) => pushImage(client, repository, undefined, platform)));
  const index = json({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: images.map((image, position) => ({
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: image.digest,
      size: image.size,
      platform: platforms[position],
    })),
  });
  await client.putManifest(repository, tag, index, "application/vnd.oci.image.index.v1+json");
  return images[1] as Pushed;
}

function source(registry: string, name: string, options: RegistryClientOptions = {}) {
  return registryImageSource(parseDockerReference(`${registry}/${name}`), `docker://${registry}/${name}`, { env: EMPTY_HOME, ...options });
}

/** The content of the architecture marker after walking every layer. */
async function archOf(image: ResolvedImage): Promise<string | undefined> {
  const files = await walkLayers(image.layers, (path) => (path === ARCH_FILE ? 1024 : undefined));
  return files.get(ARCH_FILE)?.content.toString("utf8").trim();
}

describe("registry helpers", () => {
  it("parses Bearer challenges with quoted commas and Basic challenges", () => {
    expect(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"')).toEqual(
      {
        scheme: "bearer",
        params: { realm: "https://auth.example/token", service: "registry.example", scope: "repository:a/b:pull,push" },
      },
    );
    expect(parseChallenge('Basic realm="portcullis-test"')).toEqual({ scheme: "basic", params: { realm: "portcullis-test" } });
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("Wed, 21 Oct 2026 07:28:00 GMT");
    expect(retryAfterMs("3", now)).toBe(3000);
    expect(retryAfterMs("Wed, 21 Oct 2026 07:28:05 GMT", now)).toBe(5000);
    expect(retryAfterMs("Wed, 21 Oct 2020 07:28:05 GMT", now)).toBe(0);
    expect(retryAfterMs("soon", now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});

describe.skipIf(!registryHere)("an anonymous registry", () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let arm64: Pushed;
  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startFaultProxy(registry.host);
    arm64 = await pushMultiArch(new RegistryClient(registry.host, { env: EMPTY_HOME }), "multi/app", "1.0");
    await pushImage(new RegistryClient(registry.host, { env: EMPTY_HOME }), "single", "1.0", { os: "linux", architecture: "amd64" });
  }, 30_000);
  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
  });

  it("picks linux/arm64 from a multi-arch index and streams its verified layer", async () => {
    const image = await source(registry.host, "multi/app:1.0").resolve({ platform: { os: "linux", architecture: "arm64" } });
    expect(image.platform).toEqual({ os: "linux", architecture: "arm64", variant: "v8" });
    expect(image.digest).toBe(arm64.digest);
    expect(image.layers.map((layer) => layer.digest)).toEqual([arm64.layer]);
    expect(image.ref).toBe(`docker://${registry.host}/multi/app:1.0`);
    expect(await archOf(image)).toBe("arm64");
  });

  it("takes linux/amd64 by default, and names the platforms offered when the asked one is absent", async () => {
    expect(await archOf(await source(registry.host, "multi/app:1.0").resolve())).toBe("amd64");
    const message = await userErrorOf(() =>
      source(registry.host, "multi/app:1.0").resolve({ platform: { os: "linux", architecture: "s390x" } }),
    );
    expect(message).toContain("linux/s390x");
    expect(message).toContain("linux/arm64/v8");
  });

  it("pulls by digest; a digest the repository does not hold is not found, naming it", async () => {
    const image = await source(registry.host, `multi/app@${arm64.digest}`).resolve();
    expect(await archOf(image)).toBe("arm64");
    const message = await userErrorOf(() => source(registry.host, `single@${arm64.digest}`).resolve());
    expect(message).toContain(`manifest single@${arm64.digest}: not found (404`);
  });

  it("refuses a manifest whose bytes do not match the digest the registry names", async () => {
    const real = await new RegistryClient(registry.host, { env: EMPTY_HOME }).getManifest(
      "single",
      "1.0",
      ["application/vnd.oci.image.manifest.v1+json"],
      1 << 20,
    );
    const headers = { "content-type": real.mediaType, "docker-content-digest": real.digest };
    proxy.faults.push({ when: /manifests\/1\.0/, fault: { status: 200, headers, body: `${real.bytes.toString("utf8")} ` } });
    const message = await userErrorOf(() => source(proxy.host, "single:1.0").resolve());
    expect(message).toContain(`registry ${proxy.host}: manifest single:1.0 does not match its digest: expected ${real.digest}`);
  });

  it("says which image is missing, and that no credentials were asked for", async () => {
    const message = await userErrorOf(() => source(registry.host, "multi/app:nope").resolve());
    expect(message).toContain(`registry ${registry.host}: manifest multi/app:nope: not found (404`);
    expect(message).toContain("the registry asked for no credentials");
  });

  it("retries 429 honouring Retry-After, then 503 and a reset connection, then succeeds", async () => {
    proxy.faults.push(
      { when: /manifests\/1\.0/, fault: { status: 429, headers: { "retry-after": "1" } } },
      { when: /manifests\/1\.0/, fault: { status: 503 } },
      { when: /blobs\/sha256/, fault: "reset" },
    );
    const started = Date.now();
    const image = await source(proxy.host, "single:1.0", { retry: QUICK_RETRY }).resolve();
    expect(await archOf(image)).toBe("amd64");
    const manifestTries = proxy.log.filter((entry) => entry.request.endsWith("/manifests/1.0") && entry.at >= started);
    expect(manifestTries).toHaveLength(3);
    expect((manifestTries[1]?.at ?? 0) - (manifestTries[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(proxy.faults).toHaveLength(0);
  });

  it("gives up after the bounded number of attempts with a clear error", async () => {
    for (let i = 0; i < 3; i++) proxy.faults.push({ when: /manifests\/1\.0/, fault: { status: 503 } });
    const message = await userErrorOf(() => source(proxy.host, "single:1.0", { retry: QUICK_RETRY }).resolve());
    expect(message).toBe(
      `registry ${proxy.host}: manifest single:1.0: gave up after 3 attempts; the last answer was 503 Service Unavailable`,
    );
  });

  it("follows a redirect of a blob to other storage", async () => {
    proxy.faults.push({ when: /GET .*blobs\/sha256/, fault: "redirect" }, { when: /GET .*blobs\/sha256/, fault: "redirect" });
    const image = await source(proxy.host, "single:1.0").resolve();
    expect(await archOf(image)).toBe("amd64");
    expect(proxy.faults).toHaveLength(0);
  });

  it("fails on a layer blob corrupted in the registry's storage, naming the blob", async () => {
    const client = new RegistryClient(registry.host, { env: EMPTY_HOME });
    const pushed = await pushImage(client, "corrupt", "1.0", { os: "linux", architecture: "amd64" });
    const hex = pushed.layer.slice("sha256:".length);
    const data = join(registry.storage, "docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
    writeFileSync(data, gzipSync(await tarOf({ [ARCH_FILE]: "tampered\n" })));
    const image = await source(registry.host, "corrupt:1.0").resolve();
    const message = await userErrorOf(() => archOf(image));
    expect(message).toContain(`blob ${pushed.layer}`);
    expect(message).toMatch(/does not match its digest|bytes, its descriptor says/);
  });

  it.skipIf(!alpineHere || !skopeoHere)(
    "inventories the real Alpine image pushed by skopeo as the docker-archive does",
    async () => {
      // skopeo reads only uncompressed docker-archive tars.
      const archive = join(tempTree(), "alpine.tar");
      writeFileSync(archive, gunzipSync(readFileSync(ALPINE)));
      execFileSync("skopeo", [
        "--insecure-policy",
        "copy",
        "--quiet",
        "--dest-tls-verify=false",
        `docker-archive:${archive}`,
        `docker://${registry.host}/alpine:3.11`,
      ]);
      const pulled = await source(registry.host, "alpine:3.11").resolve();
      const saved = await openImageSource(`docker-archive:${ALPINE}`).resolve();
      expect(pulled.layers.map((layer) => layer.diffId)).toEqual(saved.layers.map((layer) => layer.diffId));
      const fromRegistry = inventoryOf(await walkLayers(pulled.layers, wantedByAnalyzers));
      const fromArchive = inventoryOf(await walkLayers(saved.layers, wantedByAnalyzers));
      expect(fromRegistry.packages.length).toBe(14);
      expect(fromRegistry.os).toEqual(fromArchive.os);
      expect(fromRegistry.packages.map((entry) => entry.purl)).toEqual(fromArchive.packages.map((entry) => entry.purl));
      // And end to end, as a user scans it.
      const scanned = runCli(["scan", "--image", `${registry.host}/alpine:3.11`, "--format", "json", "--inventory-only"]);
      expect(scanned.stderr).toBe("");
      expect(JSON.parse(scanned.stdout).inventory.images).toEqual([
        { ref: `${registry.host}/alpine:3.11`, digest: pulled.digest, os: { family: "alpine", version: "3.11.5" }, packages: 14 },
      ]);
    },
    60_000,
  );
});

describe.skipIf(!registryHere)("a registry with htpasswd Basic auth", () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ kind: "htpasswd", username: USER, password: PASSWORD });
    await pushImage(new RegistryClient(registry.host, { username: USER, password: PASSWORD }), "private", "1.0", {
      os: "linux",
      architecture: "amd64",
    });
  }, 30_000);
  afterAll(async () => registry?.stop());

  it("pulls with --username/--password and with the environment variables", async () => {
    expect(await archOf(await source(registry.host, "private:1.0", { username: USER, password: PASSWORD }).resolve())).toBe("amd64");
    const env = { ...EMPTY_HOME, PORTCULLIS_REGISTRY_USERNAME: USER, PORTCULLIS_REGISTRY_PASSWORD: PASSWORD };
    expect(await archOf(await source(registry.host, "private:1.0", { env }).resolve())).toBe("amd64");
  });

  it("pulls with an auths entry of Docker's config.json", async () => {
    const auth = Buffer.from(`${USER}:${PASSWORD}`).toString("base64");
    const config = tempTree({ "config.json": JSON.stringify({ auths: { [`http://${registry.host}`]: { auth } } }) });
    expect(await archOf(await source(registry.host, "private:1.0", { env: { ...EMPTY_HOME, DOCKER_CONFIG: config } }).resolve())).toBe(
      "amd64",
    );
  });

  it("pulls with a docker-credential helper named by credHelpers or credsStore, giving it the server", async () => {
    const bin = tempTree();
    const helper = join(bin, "docker-credential-portcullis-test");
    const asked = join(bin, "asked");
    writeFileSync(
      helper,
      `#!/bin/sh\nread server\necho "$1 $server" > "${asked}"\necho '{"ServerURL":"'"$server"'","Username":"${USER}","Secret":"${PASSWORD}"}'\n`,
    );
    chmodSync(helper, 0o755);
    for (const config of [{ credHelpers: { [registry.host]: "portcullis-test" } }, { credsStore: "portcullis-test" }]) {
      const directory = tempTree({ "config.json": JSON.stringify(config) });
      const env = { DOCKER_CONFIG: directory, PATH: `${bin}:${process.env.PATH}` };
      expect(await archOf(await source(registry.host, "private:1.0", { env }).resolve())).toBe("amd64");
      expect(execFileSync("cat", [asked], { encoding: "utf8" }).trim()).toBe(`get ${registry.host}`);
    }
  });

  it("names the credential source tried on 401, never the password", async () => {
    const wrong = await userErrorOf(() =>
      source(registry.host, "private:1.0", { username: USER, password: `${PASSWORD}-wrong` }).resolve(),
    );
    expect(wrong).toContain("was refused (401 Unauthorized) with credentials from --username/--password");
    expect(wrong).not.toContain(PASSWORD);
    const configDir = tempTree({
      "config.json": JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${USER}:nope-${PASSWORD}`).toString("base64") } } }),
    });
    const fromConfig = await userErrorOf(() =>
      source(registry.host, "private:1.0", { env: { ...EMPTY_HOME, DOCKER_CONFIG: configDir } }).resolve(),
    );
    expect(fromConfig).toContain(`with credentials from ${join(configDir, "config.json")} auths`);
    expect(fromConfig).not.toContain(PASSWORD);
    const none = await userErrorOf(() => source(registry.host, "private:1.0").resolve());
    expect(none).toContain("needs credentials (Basic auth) anonymously; no credentials found in: --username/--password (not given)");
    expect(none).toContain("env PORTCULLIS_REGISTRY_USERNAME/PORTCULLIS_REGISTRY_PASSWORD (not set)");
    expect(none).toContain(`${EMPTY_HOME.DOCKER_CONFIG}/config.json (not found)`);
  });

  it("names a broken Docker config file", async () => {
    const directory = tempTree({ "config.json": "{ auths: " });
    const message = await userErrorOf(() =>
      source(registry.host, "private:1.0", { env: { ...EMPTY_HOME, DOCKER_CONFIG: directory } }).resolve(),
    );
    expect(message).toContain(`Docker config ${join(directory, "config.json")} is not valid JSON`);
  });
});

describe.skipIf(!registryHere)("a registry with token (Bearer) auth", () => {
  let tokens: TokenServer;
  let registry: TestRegistry;
  beforeAll(async () => {
    tokens = await startTokenServer({ [USER]: PASSWORD });
    registry = await startRegistry({ kind: "token", ...tokens });
    await pushMultiArch(new RegistryClient(registry.host, { username: USER, password: PASSWORD }), "team/app", "2.0");
  }, 30_000);
  afterAll(async () => {
    await registry?.stop();
    await tokens?.stop();
  });

  it("pushes with a pull,push token and pulls with a pull token for the repository's scope", async () => {
    expect(new Set(tokens.requests.map((asked) => JSON.stringify(asked)))).toEqual(
      new Set([JSON.stringify({ scope: "repository:team/app:pull,push", user: USER })]),
    );
    const before = tokens.requests.length;
    const image = await source(registry.host, "team/app:2.0", { username: USER, password: PASSWORD }).resolve({
      platform: { os: "linux", architecture: "arm64" },
    });
    expect(await archOf(image)).toBe("arm64");
    // One token serves the whole pull: manifests, config and layers.
    expect(tokens.requests.slice(before)).toEqual([{ scope: "repository:team/app:pull", user: USER }]);
  });

  it("reports a refused token request with the source tried, and no secret", async () => {
    const message = await userErrorOf(() => source(registry.host, "team/app:2.0", { username: USER, password: `x${PASSWORD}` }).resolve());
    expect(message).toContain(`the token server 127.0.0.1`);
    expect(message).toContain("401 Unauthorized");
    expect(message).toContain("with credentials from --username/--password");
    expect(message).not.toContain(PASSWORD);
  });

  it("masks the password and every token when a valid token lacks access (403-like refusal)", async () => {
    tokens.forbidden.add("team/app");
    try {
      const issuedBefore = tokens.issued.length;
      const message = await userErrorOf(() =>
        source(registry.host, "team/app:2.0", {
          env: { ...EMPTY_HOME, PORTCULLIS_REGISTRY_USERNAME: USER, PORTCULLIS_REGISTRY_PASSWORD: PASSWORD },
        }).resolve(),
      );
      expect(message).toMatch(/was refused \(40[13]/);
      expect(message).toContain("with credentials from env PORTCULLIS_REGISTRY_USERNAME/PORTCULLIS_REGISTRY_PASSWORD");
      expect(tokens.issued.length).toBeGreaterThan(issuedBefore);
      for (const secret of [PASSWORD, ...tokens.issued]) expect(message).not.toContain(secret);
    } finally {
      tokens.forbidden.delete("team/app");
    }
  });
});
