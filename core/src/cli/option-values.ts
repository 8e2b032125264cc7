import { UserError } from "../errors.js";
import { defaultCacheDir } from "../image/layers/index.js";
import type { RegistrySettings } from "../registry/settings.js";
import type { Values } from "./args.js";

/** Options more than one command reads: kept apart from args.ts, which db-command.ts would otherwise import in a cycle. */

export function registrySettings(values: Values): RegistrySettings {
  const hasPassword = values.password !== undefined || values["password-stdin"] === true;
  if (values.username === undefined && hasPassword)
    throw new UserError("a registry password was given without --username.", "Give --username USER with it.");
  if (values.username !== undefined && !hasPassword)
    throw new UserError("--username was given without a password.", "Add --password-stdin and pipe the password in.");
  if (values.password !== undefined && values["password-stdin"])
    throw new UserError("--password and --password-stdin were both given.", "Give one of them.");
  return {
    ...(values.username !== undefined && { username: values.username }),
    ...(values.password !== undefined && { password: values.password }),
    ...(values["insecure-registry"] !== undefined && { insecureRegistries: values["insecure-registry"] }),
  };
}

/** Standard input holds the password, so it cannot also hold manifests. */
export function passwordFromStdin(values: Values, paths: readonly string[]): boolean {
  if (!values["password-stdin"]) return false;
  if (paths.includes("-"))
    throw new UserError(
      '--password-stdin and the path "-" both want standard input.',
      "Pass the manifests as files, or the password in env PORTCULLIS_REGISTRY_PASSWORD.",
    );
  return true;
}

/** The layer cache is on unless --no-cache: a rescan of images sharing layers is then nearly free. */
export function cacheOption(values: Values): { cacheDir?: string } {
  return values["no-cache"] ? {} : { cacheDir: values["cache-dir"] ?? defaultCacheDir() };
}

export function parseChoice<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UserError(`${flag} "${value}" is not one of the choices.`, `Use one of: ${choices.join(", ")}.`);
}
