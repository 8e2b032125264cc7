import { UserError } from "../errors.js";
import { IDENTITY_TOKEN_USER, type RegistryCredential } from "./credentials.js";
import { fetchWithRetry, type RetryOptions } from "./retry.js";

/** A `WWW-Authenticate` challenge: its scheme (lowercase) and parameters. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** `Bearer realm="https://auth/token",service="registry",scope="repository:a:pull,push"` → parts. */
export function parseChallenge(header: string): Challenge {
  const space = header.indexOf(" ");
  const scheme = (space === -1 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  for (const match of header.slice(space + 1).matchAll(/([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[(match[1] as string).toLowerCase()] = match[2] !== undefined ? match[2].replace(/\\(.)/g, "$1") : (match[3] as string);
  }
  return { scheme, params };
}

export function basicAuthorization(credential: RegistryCredential): string {
  return `Basic ${Buffer.from(`${credential.username}:${credential.secret}`).toString("base64")}`;
}

/** The request for a token: an identity token is exchanged by OAuth2 POST, a password by GET with Basic auth. */
function tokenRequest(realm: URL, service: string | undefined, scope: string, credential?: RegistryCredential): [string, RequestInit] {
  if (credential?.username === IDENTITY_TOKEN_USER) {
    const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: credential.secret, client_id: "portcullis", scope });
    if (service) form.set("service", service);
    return [realm.href, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form.toString() }];
  }
  if (service) realm.searchParams.set("service", service);
  if (scope) realm.searchParams.set("scope", scope);
  return [realm.href, { headers: credential ? { authorization: basicAuthorization(credential) } : {} }];
}

/**
 * A bearer token from the challenge's realm for `scope` (`repository:NAME:pull`), per the
 * distribution token spec. Our own scope, not the challenge's: the registry may order the
 * actions differently from one answer to the next, and tokens are kept by scope. Failures are UserErrors without the response body (it may echo secrets).
 */
export async function fetchBearerToken(
  challenge: Challenge,
  scope: string,
  credential: RegistryCredential | undefined,
  what: string,
  retry: RetryOptions,
): Promise<string> {
  const { realm, service } = challenge.params;
  let realmUrl: URL;
  try {
    realmUrl = new URL(realm ?? "");
  } catch {
    throw new UserError(`${what}: the registry's Bearer challenge has no valid realm URL`);
  }
  const [url, init] = tokenRequest(realmUrl, service, scope, credential);
  const response = await fetchWithRetry(url, init, `${what}: token server ${realmUrl.host}`, retry);
  if (!response.ok) {
    await response.body?.cancel();
    throw new UnauthorizedError(`the token server ${realmUrl.host} answered ${response.status} ${response.statusText}`, response.status);
  }
  const body = (await response.json().catch(() => ({}))) as { token?: unknown; access_token?: unknown };
  const token = typeof body.token === "string" ? body.token : body.access_token;
  if (typeof token !== "string" || token === "") throw new UserError(`${what}: the token server ${realmUrl.host} answered without a token`);
  return token;
}

/** Authentication was refused; the client adds which credentials were tried. */
export class UnauthorizedError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * ACR's exchange of a Microsoft Entra access token for an ACR refresh token
 * (`POST /oauth2/exchange`, grant_type `access_token`), which then serves as an identity token
 * in the usual token flow. `base` is the registry's own origin: ACR serves the endpoint there.
 */
export async function exchangeAzureAdToken(
  base: string,
  challenge: Challenge,
  accessToken: string,
  tenant: string | undefined,
  what: string,
  retry: RetryOptions,
): Promise<string> {
  const service = challenge.params.service ?? new URL(base).host;
  const form = new URLSearchParams({ grant_type: "access_token", service, access_token: accessToken });
  if (tenant) form.set("tenant", tenant);
  const init = { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form.toString() };
  const response = await fetchWithRetry(`${base}/oauth2/exchange`, init, `${what}: ACR token exchange`, retry);
  if (!response.ok) {
    await response.body?.cancel();
    throw new UnauthorizedError(
      `the ACR token exchange answered ${response.status} ${response.statusText} (is the Entra token for this tenant and does it grant access to the registry?)`,
      response.status,
    );
  }
  const body = (await response.json().catch(() => ({}))) as { refresh_token?: unknown };
  if (typeof body.refresh_token !== "string" || body.refresh_token === "")
    throw new UserError(`${what}: the ACR token exchange answered without a refresh token`);
  return body.refresh_token;
}
