import type { RegistryClientOptions } from "./client.js";
import type { RetryOptions } from "./retry.js";

/** What the user said about registries, for every registry a scan reads images or a database from. */
export interface RegistrySettings {
  /** From `--username` with `--password`/`--password-stdin`: used for every registry that asks. */
  username?: string;
  password?: string;
  /** Registries (`host[:port]`) reached over plain HTTP (`--insecure-registry`). */
  insecureRegistries?: readonly string[];
  /** For library callers: the environment credentials are read from, and retry pacing. */
  env?: NodeJS.ProcessEnv;
  retry?: RetryOptions;
}

/** The client options for one registry under the user's settings. */
export function clientOptionsFor(registry: string, settings: RegistrySettings = {}): RegistryClientOptions {
  return {
    ...(settings.username !== undefined && { username: settings.username }),
    ...(settings.password !== undefined && { password: settings.password }),
    ...(settings.insecureRegistries?.includes(registry) && { insecure: true }),
    ...(settings.env && { env: settings.env }),
    ...(settings.retry && { retry: settings.retry }),
  };
}
