import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { UserError } from "../errors.js";

/** A username and secret for one registry, and where they came from (never the secret itself). */
export interface RegistryCredential {
  username: string;
  /** A password, or an identity (refresh) token when `username` is `<token>`. */
  secret: string;
  /** Where the credential was found, for messages: `--username/--password`, a config path, a helper. */
  source: string;
}

/** The credential found, if any, and every place looked at, for messages. */
export interface CredentialLookup {
  credential?: RegistryCredential;
  tried: string[];
}

export interface CredentialOptions {
  /** From `--username`/`--password`; wins over everything else. */
  username?: string;
  password?: string;
  /** The environment to read (default process.env): credential env variables, DOCKER_CONFIG, PATH for helpers. */
  env?: NodeJS.ProcessEnv;
}

/** Docker's way of saying the username field carries an identity token. */
export const IDENTITY_TOKEN_USER = "<token>";
/** Marks a Microsoft Entra (Azure AD) access token, which ACR exchanges for its own refresh token. */
export const AZURE_AD_TOKEN_USER = "<azure-ad-token>";
const ENV_USERNAME = "PORTCULLIS_REGISTRY_USERNAME";
const ENV_PASSWORD = "PORTCULLIS_REGISTRY_PASSWORD";
const ENV_AZURE_TOKEN = "PORTCULLIS_AZURE_ACCESS_TOKEN";
/** Azure Container Registry's login servers in every Azure cloud; the Entra token is never sent elsewhere. */
const ACR_HOST = /\.azurecr\.(?:io|cn|us|de)$/i;
const HUB_ALIASES = ["docker.io", "index.docker.io", "registry-1.docker.io"];
/** Docker Hub's key in config.json and for helpers, as `docker login` writes it. */
const HUB_SERVER_URL = "https://index.docker.io/v1/";
const HELPER_TIMEOUT_MS = 30_000;

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** The host a config.json key names: `https://index.docker.io/v1/` → `index.docker.io`. */
function hostOfKey(key: string): string {
  return key
    .replace(/^[a-z]+:\/\//i, "")
    .replace(/\/.*$/, "")
    .toLowerCase();
}

function sameRegistry(key: string, registry: string): boolean {
  const host = hostOfKey(key);
  return host === registry.toLowerCase() || (HUB_ALIASES.includes(host) && HUB_ALIASES.includes(registry));
}

function serverUrlOf(registry: string): string {
  return HUB_ALIASES.includes(registry) ? HUB_SERVER_URL : registry;
}

function dockerConfigPath(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG ? join(env.DOCKER_CONFIG, "config.json") : join(homedir(), ".docker", "config.json");
}

async function readDockerConfig(path: string): Promise<DockerConfig | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not a JSON object");
    return parsed as DockerConfig;
  } catch (error) {
    throw new UserError(`Docker config ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** `docker-credential-NAME get`: the server URL on stdin, `{Username, Secret}` on stdout; undefined when it has none. */
function askHelper(name: string, registry: string, env: NodeJS.ProcessEnv, source: string): Promise<RegistryCredential | undefined> {
  const program = `docker-credential-${name}`;
  return new Promise((resolve, reject) => {
    const child = execFile(program, ["get"], { env, timeout: HELPER_TIMEOUT_MS }, (error, stdout) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // A helper that is not installed or has no entry leaves us anonymous, as for a missing config.
        if (code === "ENOENT" || /credentials not found/i.test(stdout)) resolve(undefined);
        else reject(new UserError(`${source} failed (${error.killed ? "timed out" : `exit code ${error.code}`})`));
        return;
      }
      try {
        const answer = JSON.parse(stdout) as { Username?: unknown; Secret?: unknown };
        if (typeof answer.Username !== "string" || typeof answer.Secret !== "string") throw new Error("no Username and Secret");
        resolve({ username: answer.Username, secret: answer.Secret, source });
      } catch {
        reject(new UserError(`${source} did not print a JSON object with Username and Secret`));
      }
    });
    child.stdin?.end(serverUrlOf(registry));
  });
}

function fromAuthsEntry(config: DockerConfig, registry: string, source: string): RegistryCredential | undefined {
  const key = Object.keys(config.auths ?? {}).find((candidate) => sameRegistry(candidate, registry));
  const entry = key === undefined ? undefined : config.auths?.[key];
  if (!entry) return undefined;
  if (entry.identitytoken) return { username: IDENTITY_TOKEN_USER, secret: entry.identitytoken, source };
  if (entry.username && entry.password) return { username: entry.username, secret: entry.password, source };
  if (!entry.auth) return undefined;
  const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0) throw new UserError(`${source}: the auth entry is not base64 of username:password`);
  return { username: decoded.slice(0, colon), secret: decoded.slice(colon + 1), source };
}

/** Docker config.json: the registry's credHelpers entry, else credsStore, else its auths entry. */
async function fromDockerConfig(registry: string, env: NodeJS.ProcessEnv, tried: string[]): Promise<RegistryCredential | undefined> {
  const path = dockerConfigPath(env);
  const config = await readDockerConfig(path);
  if (!config) {
    tried.push(`${path} (not found)`);
    return undefined;
  }
  const helperKey = Object.keys(config.credHelpers ?? {}).find((key) => sameRegistry(key, registry));
  const helpers = [helperKey && config.credHelpers?.[helperKey], config.credsStore].filter((name): name is string => !!name);
  for (const helper of helpers) {
    const source = `docker-credential-${helper} (named by ${path})`;
    tried.push(source);
    const credential = await askHelper(helper, registry, env, source);
    if (credential) return credential;
  }
  tried.push(`${path} auths`);
  return fromAuthsEntry(config, registry, `${path} auths`);
}

/** Finds credentials for `registry`: explicit flags, then the environment, then Docker's config.json. */
export async function findCredentials(registry: string, options: CredentialOptions = {}): Promise<CredentialLookup> {
  const env = options.env ?? process.env;
  const tried: string[] = [];
  if (options.username !== undefined || options.password !== undefined) {
    if (!options.username || !options.password) throw new UserError("--username and --password go together; give both or neither");
    return { credential: { username: options.username, secret: options.password, source: "--username/--password" }, tried };
  }
  tried.push("--username/--password (not given)");
  const [envUser, envPassword] = [env[ENV_USERNAME], env[ENV_PASSWORD]];
  if (envUser && envPassword)
    return { credential: { username: envUser, secret: envPassword, source: `env ${ENV_USERNAME}/${ENV_PASSWORD}` }, tried };
  tried.push(`env ${ENV_USERNAME}/${ENV_PASSWORD} (not set)`);
  if (ACR_HOST.test(registry)) {
    const token = env[ENV_AZURE_TOKEN];
    if (token) return { credential: { username: AZURE_AD_TOKEN_USER, secret: token, source: `env ${ENV_AZURE_TOKEN}` }, tried };
    tried.push(`env ${ENV_AZURE_TOKEN} (not set)`);
  }
  const credential = await fromDockerConfig(registry, env, tried);
  return credential ? { credential, tried } : { tried };
}
