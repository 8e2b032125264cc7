import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { walkLayers } from "../core/src/image/layers/index.js";
import { parseDockerReference } from "../core/src/image/sources/reference.js";
import { registryImageSource } from "../core/src/image/sources/registry.js";
import { findCredentials, RegistryClient } from "../core/src/registry/index.js";
import { runCli, runCliAsync } from "./support/cli.js";
import { tempTree } from "./support/files.js";
import { realPartAvailable } from "./support/real-parts.js";
import {
  freePort,
  registryPartsAvailable,
  startFaultProxy,
  startRegistry,
  startRoutingProxy,
  startTokenServer,
  type TestRegistry,
} from "./support/registry.js";
import { pushImage, pushLayer, tarOf } from "./support/registry-images.js";

const registryHere = registryPartsAvailable();
const TINYPROXY = "/usr/bin/tinyproxy";
const tinyproxyHere = realPartAvailable("tinyproxy", TINYPROXY, "apt-get install -y tinyproxy-bin");

/** No credentials and no proxy of the machine running the tests. */
const CLEAN_ENV = {
  DOCKER_CONFIG: "/nonexistent-portcullis-docker-config",
  HTTP_PROXY: "",
  HTTPS_PROXY: "",
  http_proxy: "",
  https_proxy: "",
  NO_PROXY: "",
  no_proxy: "",
};
const QUICK_RETRY = { attempts: 3, baseDelayMs: 5, maxDelayMs: 50 };
const BIG_FILE = "opt/data.bin";

/** Pushes an image whose single layer is a megabyte of incompressible bytes; returns the bytes and the layer digest. */
async function pushBigImage(client: RegistryClient, repository: string): Promise<{ content: Buffer; layer: string }> {
  // Base64 of random bytes: ASCII, so the tar holds it as written, and it barely compresses.
  const content = randomBytes(768 * 1024).toString("base64");
  const tar = await tarOf({ [BIG_FILE]: content });
  const { layer } = await pushLayer(client, repository, "1", { os: "linux", architecture: "amd64" }, tar);
  return { content: Buffer.from(content), layer };
}

async function bigFileThrough(host: string): Promise<Buffer | undefined> {
  const source = registryImageSource(parseDockerReference(`${host}/big:1`), `${host}/big:1`, { retry: QUICK_RETRY, env: CLEAN_ENV });
  const files = await walkLayers((await source.resolve()).layers, (path) => (path === BIG_FILE ? 2 * 1024 * 1024 : undefined));
  return files.get(BIG_FILE)?.content;
}

describe.skipIf(!registryHere)("a layer download that breaks in the middle", () => {
  let registry: TestRegistry;
  let pushed: { content: Buffer; layer: string };
  beforeAll(async () => {
    registry = await startRegistry();
    pushed = await pushBigImage(new RegistryClient(registry.host), "big");
  }, 30_000);
  afterAll(async () => registry?.stop());

  it("resumes with a Range request from the byte where it broke, and the layer still verifies", async () => {
    const proxy = await startFaultProxy(registry.host);
    try {
      const blob = new RegExp(`GET /v2/big/blobs/${pushed.layer}`);
      proxy.faults.push({ when: blob, fault: { cutAfter: 300_000 } });
      expect((await bigFileThrough(proxy.host))?.equals(pushed.content)).toBe(true);
      const layerRequests = proxy.log.map(({ request }) => request).filter((request) => blob.test(request));
      expect(layerRequests).toHaveLength(2);
      const resumedAt = Number(/range=bytes=(\d+)-$/.exec(layerRequests[1] ?? "")?.[1]);
      // Whatever reached the client before the cut is not asked for again.
      expect(resumedAt).toBeGreaterThan(0);
      expect(resumedAt).toBeLessThanOrEqual(300_000);
    } finally {
      await proxy.stop();
    }
  });

  it("gives up with a clear error when the connection keeps breaking", async () => {
    const proxy = await startFaultProxy(registry.host);
    try {
      const blob = new RegExp(`GET /v2/big/blobs/${pushed.layer}`);
      for (const cutAfter of [100_000, 50_000, 50_000]) proxy.faults.push({ when: blob, fault: { cutAfter } });
      await expect(bigFileThrough(proxy.host)).rejects.toThrow(/blob sha256:[0-9a-f]+ of big: the connection broke 3 times/);
    } finally {
      await proxy.stop();
    }
  });
});

/** Debian's tinyproxy in the foreground on a loopback port, logging every request. */
async function startTinyproxy(): Promise<{ url: string; log: () => string; stop: () => void }> {
  const directory = tempTree();
  const port = await freePort();
  const logFile = join(directory, "tinyproxy.log");
  writeFileSync(logFile, "");
  const config = join(directory, "tinyproxy.conf");
  writeFileSync(
    config,
    `Port ${port}\nListen 127.0.0.1\nTimeout 30\nLogFile "${logFile}"\nLogLevel Info\nMaxClients 20\nAllow 127.0.0.1\n`,
  );
  const child: ChildProcess = spawn(TINYPROXY, ["-d", "-c", config], { stdio: "ignore" });
  const deadline = Date.now() + 10_000;
  while (!readFileSync(logFile, "utf8").includes("listening") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return { url: `http://127.0.0.1:${port}`, log: () => readFileSync(logFile, "utf8"), stop: () => child.kill("SIGTERM") };
}

describe.skipIf(!registryHere || !tinyproxyHere)("behind an HTTP proxy", () => {
  let registry: TestRegistry;
  let proxy: Awaited<ReturnType<typeof startTinyproxy>>;
  beforeAll(async () => {
    registry = await startRegistry();
    await pushImage(new RegistryClient(registry.host), "proxied", "1", { os: "linux", architecture: "amd64" });
    proxy = await startTinyproxy();
  }, 30_000);
  afterAll(async () => {
    proxy?.stop();
    await registry?.stop();
  });

  it("sends registry traffic through HTTP_PROXY, and straight to hosts in NO_PROXY", () => {
    const args = ["sbom", `${registry.host}/proxied:1`, "--no-cache"];
    const proxied = runCli(args, { env: { ...CLEAN_ENV, HTTP_PROXY: proxy.url } });
    expect(proxied.stderr).toBe("");
    expect(proxied.status).toBe(0);
    expect(proxy.log()).toContain(`GET http://${registry.host}/v2/proxied/manifests/1`);
    const before = proxy.log().length;
    const direct = runCli(args, { env: { ...CLEAN_ENV, HTTP_PROXY: proxy.url, NO_PROXY: "127.0.0.1" } });
    expect(direct.status).toBe(0);
    expect(proxy.log().slice(before)).not.toContain("/v2/proxied/");
  });
});

describe.skipIf(!registryHere)("credentials and plain HTTP from the command line", () => {
  const USER = "ci-robot";
  const PASSWORD = "flag-Pa55word-qrs";
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ kind: "htpasswd", username: USER, password: PASSWORD });
    await pushImage(new RegistryClient(registry.host, { username: USER, password: PASSWORD }), "private", "1", {
      os: "linux",
      architecture: "amd64",
    });
  }, 30_000);
  afterAll(async () => registry?.stop());

  it("pulls with --username and --password-stdin, for sbom and scan", () => {
    const sbom = runCli(["sbom", `${registry.host}/private:1`, "--no-cache", "--username", USER, "--password-stdin"], {
      env: CLEAN_ENV,
      input: `${PASSWORD}\n`,
    });
    expect(sbom.stderr).toBe("");
    expect(sbom.status).toBe(0);
    const scan = runCli(
      [
        "scan",
        "--image",
        `${registry.host}/private:1`,
        "--no-cache",
        "--format",
        "json",
        "--inventory-only",
        "--username",
        USER,
        "--password-stdin",
      ],
      { env: CLEAN_ENV, input: PASSWORD, cwd: tempTree() },
    );
    expect(scan.stderr).toBe("");
    expect(JSON.parse(scan.stdout).inventory.images[0].ref).toBe(`${registry.host}/private:1`);
  });

  it("names the flags as the credential source on a wrong password, and never prints it", () => {
    const wrong = "wrong-Pa55word-zzz";
    const result = runCli(["sbom", `${registry.host}/private:1`, "--no-cache", "--username", USER, "--password", wrong], {
      env: CLEAN_ENV,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/refused \(401 Unauthorized\) with credentials from --username\/--password/);
    expect(result.stderr).not.toContain(wrong);
  });

  it("explains flag combinations that cannot work", () => {
    const cases: [string[], RegExp][] = [
      [["--username", USER], /--username was given without a password/],
      [["--password-stdin"], /password was given without --username/],
      [["--username", USER, "--password", "x", "--password-stdin"], /both given/],
    ];
    for (const [flags, message] of cases) {
      const result = runCli(["sbom", `${registry.host}/private:1`, ...flags], { env: CLEAN_ENV, input: "x" });
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    const stdinTwice = runCli(["scan", "-", "--username", USER, "--password-stdin"], { env: CLEAN_ENV, input: "x" });
    expect(stdinTwice.stderr).toMatch(/both want standard input/);
  });

  it("uses HTTPS for a non-loopback registry unless --insecure-registry names it", async () => {
    const proxy = await startRoutingProxy({ "/v2/": registry.host });
    try {
      const env = {
        ...CLEAN_ENV,
        HTTP_PROXY: proxy.url,
        HTTPS_PROXY: proxy.url,
        PORTCULLIS_REGISTRY_USERNAME: USER,
        PORTCULLIS_REGISTRY_PASSWORD: PASSWORD,
      };
      const secure = await runCliAsync(["sbom", "registry.example.test/private:1", "--no-cache"], { env });
      expect(secure.status).toBe(2);
      expect(proxy.log).toContain("CONNECT registry.example.test:443");
      expect(proxy.log.filter((line) => line.includes("/v2/"))).toEqual([]);
      const insecure = await runCliAsync(
        ["sbom", "registry.example.test/private:1", "--no-cache", "--insecure-registry", "registry.example.test"],
        {
          env,
        },
      );
      expect(insecure.stderr).toBe("");
      expect(insecure.status).toBe(0);
      expect(proxy.log).toContain("registry.example.test /v2/private/manifests/1");
    } finally {
      await proxy.stop();
    }
  });
});

describe.skipIf(!registryHere)("Azure Container Registry with a Microsoft Entra token", () => {
  const ACR = "portcullis.azurecr.io";
  const ENTRA_TOKEN = `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.entra-${randomBytes(8).toString("hex")}`;
  let tokens: Awaited<ReturnType<typeof startTokenServer>>;
  let registry: TestRegistry;
  let proxy: Awaited<ReturnType<typeof startRoutingProxy>>;
  const envFor = (token: string) => ({
    ...CLEAN_ENV,
    HTTP_PROXY: proxy.url,
    PORTCULLIS_AZURE_ACCESS_TOKEN: token,
    AZURE_TENANT_ID: "contoso",
  });

  beforeAll(async () => {
    tokens = await startTokenServer({}, { service: ACR, entraToken: ENTRA_TOKEN });
    const realm = `http://${ACR}/oauth2/token`;
    registry = await startRegistry({ kind: "token", realm, service: ACR, issuer: tokens.issuer, certificate: tokens.certificate });
    const tokenHost = new URL(tokens.realm).host;
    proxy = await startRoutingProxy({ "/v2/": registry.host, "/oauth2/": tokenHost });
    const pushEnv = { ...envFor(ENTRA_TOKEN), HTTP_PROXY: proxy.url };
    const saved = process.env.HTTP_PROXY;
    process.env.HTTP_PROXY = proxy.url;
    try {
      await pushImage(new RegistryClient(ACR, { insecure: true, env: pushEnv }), "shop/api", "1", { os: "linux", architecture: "amd64" });
    } finally {
      if (saved === undefined) delete process.env.HTTP_PROXY;
      else process.env.HTTP_PROXY = saved;
    }
  }, 30_000);
  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
    await tokens?.stop();
  });

  it("exchanges the token at /oauth2/exchange, as ACR's OpenAPI description says, then pulls", async () => {
    const result = await runCliAsync(["sbom", `${ACR}/shop/api:1`, "--no-cache", "--insecure-registry", ACR], { env: envFor(ENTRA_TOKEN) });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(tokens.violations).toEqual([]);
    expect(proxy.log.filter((line) => line.endsWith("/oauth2/exchange")).length).toBeGreaterThan(0);
    expect(tokens.requests.map(({ scope }) => scope)).toContain("repository:shop/api:pull");
  });

  it("says where the refused token came from, never printing it or the ACR tokens", async () => {
    const wrong = `${ENTRA_TOKEN}-expired`;
    const result = await runCliAsync(["sbom", `${ACR}/shop/api:1`, "--no-cache", "--insecure-registry", ACR], { env: envFor(wrong) });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/ACR token exchange answered 401.*env PORTCULLIS_AZURE_ACCESS_TOKEN/s);
    for (const secret of [wrong, ENTRA_TOKEN, ...tokens.issued]) expect(result.stderr).not.toContain(secret);
  });

  it("never offers the Entra token to a registry that is not ACR", async () => {
    const env = { PORTCULLIS_AZURE_ACCESS_TOKEN: ENTRA_TOKEN, DOCKER_CONFIG: "/nonexistent" };
    expect((await findCredentials("ghcr.io", { env })).credential).toBeUndefined();
    expect((await findCredentials("myregistry.azurecr.io", { env })).credential?.source).toBe("env PORTCULLIS_AZURE_ACCESS_TOKEN");
  });
});
