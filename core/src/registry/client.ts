import type { Readable } from "node:stream";
import { UserError } from "../errors.js";
import { digestOf, verifyDigest } from "../image/sources/digest.js";
import { basicAuthorization, type Challenge, exchangeAzureAdToken, fetchBearerToken, parseChallenge, UnauthorizedError } from "./auth.js";
import {
  AZURE_AD_TOKEN_USER,
  type CredentialLookup,
  type CredentialOptions,
  findCredentials,
  IDENTITY_TOKEN_USER,
  type RegistryCredential,
} from "./credentials.js";
import { readLimited } from "./http.js";
import { resumableBody } from "./resumable.js";
import { fetchWithRetry, type RetryOptions } from "./retry.js";

export interface RegistryClientOptions extends CredentialOptions {
  /** Plain HTTP instead of HTTPS (`--insecure-registry`); loopback registries always use it, as Docker does. */
  insecure?: boolean;
  retry?: RetryOptions;
}

/** A manifest or index as the registry sent it. */
export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

type Access = "pull" | "pull,push";

const DOCKER_HUB_API = "registry-1.docker.io";

function isLoopback(registry: string): boolean {
  const host = registry.replace(/:\d+$/, "");
  return host === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(host) || host === "[::1]";
}

/** Every occurrence of each secret replaced, so no message can carry one. */
function redact(text: string, secrets: Iterable<string>): string {
  let result = text;
  for (const secret of secrets) if (secret.length > 0) result = result.split(secret).join("***");
  return result;
}

/** The `mediaType` a manifest names itself, for registries that send no Content-Type; "" when none. */
function ownMediaType(bytes: Buffer): string {
  try {
    const { mediaType } = JSON.parse(bytes.toString("utf8")) as { mediaType?: unknown };
    return typeof mediaType === "string" ? mediaType : "";
  } catch {
    return "";
  }
}

/** A response body read whole, refused beyond `limit` bytes. */
function readBody(response: Response, limit: number, what: string): Promise<Buffer> {
  return readLimited(response, limit, () => new UserError(`${what} is larger than ${limit} bytes; refusing to read it whole`));
}

/**
 * A client of one OCI distribution registry: pulls and pushes manifests and blobs, answers
 * Basic and Bearer challenges with the first credentials found, retries transient failures.
 * No message it produces contains a password or token.
 */
export class RegistryClient {
  private readonly base: string;
  private lookup?: Promise<CredentialLookup>;
  /** The identity token an Entra token was exchanged for, once per client. */
  private acrRefreshToken?: Promise<string>;
  private readonly secrets = new Set<string>();
  /** Authorization header values: one per scope for Bearer tokens, `*` for Basic. */
  private readonly authorizations = new Map<string, string>();

  constructor(
    readonly registry: string,
    private readonly options: RegistryClientOptions = {},
  ) {
    const host = registry === "docker.io" ? DOCKER_HUB_API : registry;
    this.base = `${options.insecure || isLoopback(registry) ? "http" : "https"}://${host}`;
    if (options.password) this.secrets.add(options.password);
  }

  /** A manifest or index by tag or digest; verified when asked by digest or when the registry names its digest. */
  async getManifest(repository: string, reference: string, accept: readonly string[], limit: number): Promise<FetchedManifest> {
    const what = `manifest ${repository}${reference.includes(":") ? "@" : ":"}${reference}`;
    return this.guard(async () => {
      const response = await this.send(
        "GET",
        repository,
        `manifests/${reference}`,
        { headers: { accept: accept.join(", ") } },
        "pull",
        what,
      );
      const bytes = await readBody(response, limit, this.name(what));
      const expected = reference.includes(":") ? reference : (response.headers.get("docker-content-digest") ?? undefined);
      if (expected) verifyDigest(bytes, expected, this.name(what));
      const mediaType = response.headers.get("content-type")?.split(";")[0]?.trim() || ownMediaType(bytes);
      return { bytes, mediaType, digest: expected ?? digestOf(bytes) };
    });
  }

  /** A small blob (a config) whole; the caller verifies it against its descriptor. */
  async readBlob(repository: string, digest: string, limit: number): Promise<Buffer> {
    const what = `blob ${digest} of ${repository}`;
    return this.guard(async () =>
      readBody(await this.send("GET", repository, `blobs/${digest}`, {}, "pull", what), limit, this.name(what)),
    );
  }

  /**
   * A blob as a stream, following redirects to storage and resuming from where it broke when
   * the connection drops; the caller verifies it.
   */
  async openBlob(repository: string, digest: string): Promise<Readable> {
    const what = `blob ${digest} of ${repository}`;
    const request = (init: RequestInit) => this.guard(() => this.send("GET", repository, `blobs/${digest}`, init, "pull", what));
    const response = await request({});
    if (!response.body) throw new UserError(`${this.name(what)}: the registry sent no body`);
    const reopen = (offset: number) => request({ headers: { range: `bytes=${offset}-` } });
    return resumableBody(response, reopen, this.name(what), this.options.retry);
  }

  /** Uploads a blob in one request (monolithic upload); returns its digest. */
  async putBlob(repository: string, bytes: Buffer): Promise<string> {
    const digest = digestOf(bytes);
    const what = `upload of blob ${digest} to ${repository}`;
    return this.guard(async () => {
      const started = await this.send("POST", repository, "blobs/uploads/", {}, "pull,push", what);
      await started.body?.cancel();
      const location = started.headers.get("location");
      if (!location) throw new UserError(`${this.name(what)}: the registry gave no upload location`);
      const target = new URL(location, `${this.base}/`);
      target.searchParams.set("digest", digest);
      const init = { headers: { "content-type": "application/octet-stream" }, body: bytes };
      await (await this.send("PUT", repository, target.href, init, "pull,push", what)).body?.cancel();
      return digest;
    });
  }

  /** Stores a manifest or index under a tag or its digest; returns its digest. */
  async putManifest(repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    const what = `push of manifest ${repository}:${reference}`;
    return this.guard(async () => {
      const init = { headers: { "content-type": mediaType }, body: bytes };
      await (await this.send("PUT", repository, `manifests/${reference}`, init, "pull,push", what)).body?.cancel();
      return digestOf(bytes);
    });
  }

  private name(what: string): string {
    return `registry ${this.registry}: ${what}`;
  }

  /** Runs `action`; any UserError leaving it has every known secret masked. */
  private async guard<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof UserError)
        throw new UserError(redact(error.message, this.secrets), error.hint && redact(error.hint, this.secrets));
      throw error;
    }
  }

  /** One request, answering a 401 challenge once; refusals and 404 become UserErrors naming the credentials tried. */
  private async send(method: string, repository: string, path: string, init: RequestInit, access: Access, what: string): Promise<Response> {
    const scope = `repository:${repository}:${access}`;
    const url = /^https?:\/\//.test(path) ? path : `${this.base}/v2/${repository}/${path}`;
    let response = await this.attempt(url, { ...init, method }, scope, what);
    if (response.status === 401) {
      const header = response.headers.get("www-authenticate");
      await response.body?.cancel();
      if (header) {
        await this.authorize(parseChallenge(header), scope, what);
        response = await this.attempt(url, { ...init, method }, scope, what);
      }
    }
    if (response.ok) return response;
    await response.body?.cancel();
    const status = `${response.status} ${response.statusText}`;
    if (response.status === 401 || response.status === 403)
      throw new UserError(`${this.name(what)} was refused (${status}) ${await this.triedCredentials()}`);
    if (response.status === 404) throw new UserError(`${this.name(what)}: not found (${status}) ${await this.triedCredentials()}`);
    throw new UserError(`${this.name(what)} failed: ${status}`);
  }

  private attempt(url: string, init: RequestInit, scope: string, what: string): Promise<Response> {
    const authorization = this.authorizations.get(scope) ?? this.authorizations.get("*");
    const headers = { ...(init.headers as Record<string, string>), ...(authorization && { authorization }) };
    return fetchWithRetry(url, { ...init, headers }, this.name(what), this.options.retry);
  }

  private credentials(): Promise<CredentialLookup> {
    this.lookup ??= findCredentials(this.registry, this.options).then((lookup) => {
      if (lookup.credential) this.secrets.add(lookup.credential.secret);
      return lookup;
    });
    return this.lookup;
  }

  private async authorize(challenge: Challenge, scope: string, what: string): Promise<void> {
    const { credential } = await this.credentials();
    if (challenge.scheme === "basic") {
      if (!credential) throw new UserError(`${this.name(what)} needs credentials (Basic auth) ${await this.triedCredentials()}`);
      this.authorizations.set("*", basicAuthorization(credential));
      return;
    }
    if (challenge.scheme !== "bearer") throw new UserError(`${this.name(what)}: unsupported authentication scheme ${challenge.scheme}`);
    try {
      const tokenCredential = await this.bearerCredential(credential, challenge, what);
      const token = await fetchBearerToken(challenge, scope, tokenCredential, this.name(what), this.options.retry ?? {});
      this.secrets.add(token);
      this.authorizations.set(scope, `Bearer ${token}`);
    } catch (error) {
      if (!(error instanceof UnauthorizedError)) throw error;
      throw new UserError(`${this.name(what)} was refused: ${error.message} ${await this.triedCredentials()}`);
    }
  }

  /** The credential the token server takes: an Entra token is first exchanged at ACR for an identity token. */
  private async bearerCredential(
    credential: RegistryCredential | undefined,
    challenge: Challenge,
    what: string,
  ): Promise<RegistryCredential | undefined> {
    if (credential?.username !== AZURE_AD_TOKEN_USER) return credential;
    const tenant = (this.options.env ?? process.env).AZURE_TENANT_ID;
    this.acrRefreshToken ??= exchangeAzureAdToken(
      this.base,
      challenge,
      credential.secret,
      tenant,
      this.name(what),
      this.options.retry ?? {},
    );
    const refreshToken = await this.acrRefreshToken;
    this.secrets.add(refreshToken);
    return { username: IDENTITY_TOKEN_USER, secret: refreshToken, source: `${credential.source}, exchanged for an ACR refresh token` };
  }

  /** Which credentials were used, or where none were found; never the secret. */
  private async triedCredentials(): Promise<string> {
    if (!this.lookup) return "(the registry asked for no credentials)";
    const { credential, tried } = await this.lookup;
    return credential ? `with credentials from ${credential.source}` : `anonymously; no credentials found in: ${tried.join(", ")}`;
  }
}
