import type { Dispatcher } from "undici";

let proxiedFetch: Promise<typeof fetch> | undefined;

/** The first non-empty of a variable's lowercase and uppercase spellings, as curl reads them. */
function variable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return env[name.toLowerCase()] || env[name.toUpperCase()] || undefined;
}

interface ProxySettings {
  httpProxy?: string;
  httpsProxy?: string;
  noProxy?: string;
}

function proxySettings(env: NodeJS.ProcessEnv): ProxySettings | undefined {
  const httpProxy = variable(env, "http_proxy");
  const httpsProxy = variable(env, "https_proxy");
  if (!httpProxy && !httpsProxy) return undefined;
  const noProxy = variable(env, "no_proxy");
  return { ...(httpProxy && { httpProxy }), ...(httpsProxy && { httpsProxy }), ...(noProxy && { noProxy }) };
}

/**
 * Node's fetch ignores HTTP(S)_PROXY (Node 20 always, Node 24 unless NODE_USE_ENV_PROXY), so
 * behind a proxy registry traffic goes through undici's EnvHttpProxyAgent, which also honours
 * NO_PROXY. undici is loaded only then, keeping start-up light for everyone else.
 */
export async function httpFetch(url: string, init: RequestInit): Promise<Response> {
  const settings = proxySettings(process.env);
  if (!settings) return fetch(url, init);
  // Settings read once per process, like the agent itself would; an empty spelling does not hide the other.
  proxiedFetch ??= import("undici").then(({ fetch: undiciFetch, EnvHttpProxyAgent }) => {
    // Plain-HTTP registries are forwarded in absolute form, as curl does; HTTPS is tunnelled with CONNECT.
    const dispatcher: Dispatcher = new EnvHttpProxyAgent({ ...settings, proxyTunnel: false });
    return ((target: string, options: RequestInit) =>
      undiciFetch(target, { ...(options as object), dispatcher } as Parameters<typeof undiciFetch>[1])) as unknown as typeof fetch;
  });
  return (await proxiedFetch)(url, init);
}

/**
 * A response body read whole, refused past `limit` bytes (by its Content-Length, or as it
 * arrives) with the caller's own error: a hostile or broken server must not make us buffer
 * gigabytes. Leaving the loop, by the limit or a failure, cancels the rest of the body.
 */
export async function readLimited(response: Response, limit: number, tooLarge: () => Error): Promise<Buffer> {
  if (Number(response.headers.get("content-length")) > limit) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response.body ?? []) {
    total += chunk.length;
    if (total > limit) throw tooLarge();
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}
