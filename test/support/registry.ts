import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempTree } from "./files.js";
import { loadOpenApiChecker } from "./openapi.js";
import { realPartAvailable } from "./real-parts.js";

export const REGISTRY_BINARY = "/usr/bin/docker-registry";
export const HTPASSWD_BINARY = "/usr/bin/htpasswd";
const REGISTRY_INSTALL = "apt-get install -y docker-registry apache2-utils";

/** Whether Debian's docker-registry and htpasswd are here (skips with the reason off CI; fails under CI=true). */
export function registryPartsAvailable(): boolean {
  return (
    realPartAvailable("docker-registry", REGISTRY_BINARY, REGISTRY_INSTALL) &&
    realPartAvailable("htpasswd", HTPASSWD_BINARY, REGISTRY_INSTALL)
  );
}
const READY_TIMEOUT_MS = 15_000;

/** A running Debian `docker-registry` (distribution 2.8) on a loopback port. */
export interface TestRegistry {
  /** `127.0.0.1:PORT`, as an image reference's registry part. */
  host: string;
  /** The filesystem storage root (`docker/registry/v2/...` below it). */
  storage: string;
  stop(): Promise<void>;
}

export type RegistryAuth =
  | { kind: "none" }
  | { kind: "htpasswd"; username: string; password: string }
  | { kind: "token"; realm: string; service: string; issuer: string; certificate: string };

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** A loopback port nothing listens on (now). */
export async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function authConfig(auth: RegistryAuth, directory: string): string {
  switch (auth.kind) {
    case "none":
      return "";
    case "htpasswd": {
      const file = join(directory, "htpasswd");
      writeFileSync(file, execFileSync(HTPASSWD_BINARY, ["-Bbn", auth.username, auth.password]));
      return `auth:\n  htpasswd:\n    realm: portcullis-test\n    path: ${file}\n`;
    }
    case "token": {
      const bundle = join(directory, "token-ca.pem");
      writeFileSync(bundle, auth.certificate);
      return `auth:\n  token:\n    realm: ${auth.realm}\n    service: ${auth.service}\n    issuer: ${auth.issuer}\n    rootcertbundle: ${bundle}\n`;
    }
  }
}

async function waitUntilServing(host: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${log()}`);
    try {
      await fetch(`http://${host}/v2/`);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`docker-registry did not answer on ${host} within ${READY_TIMEOUT_MS} ms: ${log()}`);
}

/** Starts `docker-registry serve` with filesystem storage in a temporary directory. */
export async function startRegistry(auth: RegistryAuth = { kind: "none" }): Promise<TestRegistry> {
  const directory = tempTree();
  const storage = join(directory, "storage");
  const host = `127.0.0.1:${await freePort()}`;
  const config = join(directory, "config.yml");
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${storage}\nhttp:\n  addr: ${host}\n${authConfig(auth, directory)}`,
  );
  const child = spawn(REGISTRY_BINARY, ["serve", config], { stdio: ["ignore", "ignore", "pipe"] });
  let output = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  await waitUntilServing(host, child, () => output);
  return {
    host,
    storage,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

function base64url(bytes: Buffer | string): string {
  return Buffer.from(bytes).toString("base64url");
}

/** libtrust's key ID, which distribution matches against a JWT's `kid`: SHA-256 of the DER key, 240 bits, base32 in groups of 4. */
function libtrustKeyId(publicKey: KeyObject): string {
  const digest = createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest()
    .subarray(0, 30);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const byte of digest) bits += byte.toString(2).padStart(8, "0");
  const encoded = (bits.match(/.{5}/g) ?? []).map((chunk) => alphabet[Number.parseInt(chunk, 2)]).join("");
  return (encoded.match(/.{4}/g) ?? []).join(":");
}

/** What the token server was asked: the scope and the user (undefined when anonymous). */
export interface TokenRequest {
  scope: string;
  user?: string;
}

/** A token server for distribution's `auth.token`: checks Basic credentials, issues ES256 JWTs. */
export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  /** PEM certificate of the signing key, for the registry's rootcertbundle. */
  certificate: string;
  requests: TokenRequest[];
  /** Every token issued, to check that none leaks into a message. */
  issued: string[];
  /** Repositories whose tokens grant nothing (an authenticated user without access). */
  forbidden: Set<string>;
  /** What was wrong with requests to the ACR endpoints, checked against ACR's published OpenAPI description. */
  violations: string[];
  stop(): Promise<void>;
}

export interface TokenServerOptions {
  /** The `service` the registry names (ACR: its host name). */
  service?: string;
  /** Serve ACR's `/oauth2/exchange` and `/oauth2/token`, accepting this Entra access token. */
  entraToken?: string;
}

const ACR_OPENAPI = fileURLToPath(new URL("../fixtures/acr/oauth2.openapi.json", import.meta.url));

async function formOf(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function basicUser(header: string | undefined): [string, string] | undefined {
  if (!header?.startsWith("Basic ")) return undefined;
  const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon === -1 ? undefined : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

/** The access entries a scope asks for: `repository:NAME:pull,push` → one entry. */
function accessOf(scope: string, forbidden: Set<string>): { type: string; name: string; actions: string[] }[] {
  const [type, name, actions] = scope.split(":");
  if (!type || !name || !actions || forbidden.has(name)) return [];
  return [{ type, name, actions: actions.split(",") }];
}

export async function startTokenServer(users: Record<string, string>, options: TokenServerOptions = {}): Promise<TokenServer> {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const directory = tempTree({ "key.pem": privateKey.export({ type: "pkcs8", format: "pem" }) as string });
  const certificate = execFileSync(
    "openssl",
    ["req", "-x509", "-new", "-key", join(directory, "key.pem"), "-subj", "/CN=portcullis-test-token", "-days", "1"],
    { encoding: "utf8" },
  );
  const kid = libtrustKeyId(publicKey);
  const service = options.service ?? "portcullis-test-registry";
  const checkAcrRequest = loadOpenApiChecker(ACR_OPENAPI);
  const violations: string[] = [];
  const refreshTokens = new Set<string>();
  const issuer = "portcullis-test-issuer";
  const requests: TokenRequest[] = [];
  const issued: string[] = [];
  const forbidden = new Set<string>();
  function issue(scope: string, subject: string): string {
    const now = Math.floor(Date.now() / 1000);
    const header = base64url(JSON.stringify({ typ: "JWT", alg: "ES256", kid }));
    const claims = { iss: issuer, sub: subject, aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: `${now}-${issued.length}` };
    const payload = base64url(JSON.stringify({ ...claims, access: accessOf(scope, forbidden) }));
    const signature = sign("sha256", Buffer.from(`${header}.${payload}`), { key: privateKey, dsaEncoding: "ieee-p1363" });
    const token = `${header}.${payload}.${base64url(signature)}`;
    issued.push(token);
    return token;
  }
  const answer = (res: ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  /** ACR: an Entra token buys a refresh token, which buys access tokens per scope. */
  async function serveAcr(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const form = await formOf(req);
    const problems = checkAcrRequest({
      method: req.method ?? "",
      path: url.pathname,
      contentType: req.headers["content-type"],
      query: url.searchParams,
      form,
    });
    violations.push(...problems);
    if (problems.length > 0) return void answer(res, 400, { errors: problems.map((message) => ({ code: "BAD_REQUEST", message })) });
    if (url.pathname === "/oauth2/exchange") {
      if (form.get("access_token") !== options.entraToken || form.get("service") !== service) return void answer(res, 401, { errors: [] });
      const refreshToken = `acr-refresh-${randomBytes(12).toString("hex")}`;
      refreshTokens.add(refreshToken);
      issued.push(refreshToken);
      return void answer(res, 200, { refresh_token: refreshToken });
    }
    const scope = form.get("scope") ?? "";
    requests.push({ scope, user: "acr-refresh-token" });
    if (form.get("grant_type") !== "refresh_token" || !refreshTokens.has(form.get("refresh_token") ?? ""))
      return void answer(res, 401, { errors: [] });
    answer(res, 200, { access_token: issue(scope, "acr-user") });
  }
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://token");
    if (options.entraToken && url.pathname.startsWith("/oauth2/")) return void serveAcr(req, res, url);
    const scope = url.searchParams.get("scope") ?? "";
    const given = basicUser(req.headers.authorization);
    requests.push({ scope, ...(given && { user: given[0] }) });
    if (!given || users[given[0]] !== given[1]) {
      res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ details: "bad credentials" }));
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: issue(scope, given[0]), expires_in: 300 }));
  });
  const port = await listen(server);
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certificate,
    requests,
    issued,
    forbidden,
    violations,
    stop: () => closeServer(server),
  };
}

/** An answer the proxy gives instead of forwarding: a status with headers and body, a dropped connection, or a redirect to the registry. */
export type Fault = { status: number; headers?: Record<string, string>; body?: string } | { cutAfter: number } | "reset" | "redirect";

/** A loopback proxy in front of a registry that answers the next requests matching `when` with queued faults. */
export interface FaultProxy {
  host: string;
  faults: { when: RegExp; fault: Fault }[];
  /** `METHOD path` of every request received, and when. */
  log: { request: string; at: number }[];
  stop(): Promise<void>;
}

/** Passes the answer on, or only its first `cutAfter` body bytes before dropping the connection. */
function relay(answer: IncomingMessage, res: ServerResponse, cutAfter?: number): void {
  res.writeHead(answer.statusCode ?? 502, answer.headers);
  if (cutAfter === undefined) {
    answer.pipe(res);
    return;
  }
  let sent = 0;
  answer.on("data", (chunk: Buffer) => {
    if (sent + chunk.length < cutAfter) {
      sent += chunk.length;
      res.write(chunk);
      return;
    }
    res.write(chunk.subarray(0, cutAfter - sent), () => res.socket?.destroy());
    answer.destroy();
  });
  answer.on("end", () => res.end());
}

function forward(target: string, req: IncomingMessage, res: ServerResponse, cutAfter?: number, path = req.url): void {
  const [hostname, port] = target.split(":");
  const upstream = request({ hostname, port: Number(port), method: req.method, path, headers: req.headers }, (answer) =>
    relay(answer, res, cutAfter),
  );
  upstream.on("error", () => res.destroy());
  req.pipe(upstream);
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const faults: FaultProxy["faults"] = [];
  const log: FaultProxy["log"] = [];
  const server = createServer((req, res) => {
    const line = `${req.method} ${req.url}${req.headers.range ? ` range=${req.headers.range}` : ""}`;
    log.push({ request: line, at: Date.now() });
    const queued = faults.findIndex((entry) => entry.when.test(line));
    const fault = queued === -1 ? undefined : faults.splice(queued, 1)[0]?.fault;
    if (fault === undefined) return forward(target, req, res);
    if (fault === "reset") return req.socket.destroy();
    if (fault === "redirect") return res.writeHead(307, { location: `http://${target}${req.url}` }).end();
    if ("cutAfter" in fault) return forward(target, req, res, fault.cutAfter);
    res.writeHead(fault.status, fault.headers).end(fault.body);
  });
  const port = await listen(server);
  return {
    host: `127.0.0.1:${port}`,
    faults,
    log,
    stop: () => closeServer(server),
  };
}

/**
 * An HTTP forward proxy that stands in for DNS: requests in absolute form
 * (`GET http://myregistry.azurecr.io/v2/...`) go to the loopback server whose path prefix
 * matches, so a client can be tested against a registry by its real-looking name.
 */
export interface RoutingProxy {
  /** `http://127.0.0.1:PORT`, for HTTP_PROXY. */
  url: string;
  /** `HOST PATH` of every request, to check that traffic went through the proxy. */
  log: string[];
  stop(): Promise<void>;
}

export async function startRoutingProxy(routes: Record<string, string>): Promise<RoutingProxy> {
  const log: string[] = [];
  const server = createServer((req, res) => {
    const target = new URL(req.url ?? "/");
    log.push(`${target.host} ${target.pathname}`);
    const route = Object.entries(routes).find(([prefix]) => target.pathname.startsWith(prefix));
    if (!route) return res.writeHead(502).end("no route");
    forward(route[1], req, res, undefined, `${target.pathname}${target.search}`);
  });
  // HTTPS would need a certificate for the name: tunnels are refused, and logged.
  server.on("connect", (req, socket) => {
    log.push(`CONNECT ${req.url}`);
    socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, log, stop: () => closeServer(server) };
}
