import { UserError } from "../errors.js";
import { defaultCacheDir } from "../image/layers/index.js";
import type { RegistrySettings } from "../registry/settings.js";
import type { BuildOptions } from "../vulndb/index.js";
import type { Values } from "./args.js";
import { cacheOption, parseChoice, passwordFromStdin, registrySettings } from "./option-values.js";

export const DB_INFO_FORMATS = ["table", "json"] as const;

/** `portcullis db build|push|pull|info`. */
export type DbCommand =
  | { name: "db"; action: "build"; build: BuildOptions }
  | {
      name: "db";
      action: "push" | "pull";
      ref: string;
      /** push: the database directory. */
      dir?: string;
      cacheDir: string;
      registry: RegistrySettings;
      passwordStdin: boolean;
    }
  | { name: "db"; action: "info"; dir?: string; cacheDir: string; format: (typeof DB_INFO_FORMATS)[number] };

export const DB_USAGE = `       portcullis db build --osv DIR|ZIP... [--oval FILE]... [--kev FILE] [--epss FILE] --out DIR
       portcullis db push REF --db DIR      publish a database as an OCI artifact
       portcullis db pull REF               fetch one into the cache (prints its directory)
       portcullis db info [--db DIR]        what a database (default: the newest cached) holds`;

function cacheDirOf(values: Values): string {
  return cacheOption(values).cacheDir ?? defaultCacheDir();
}

function required(value: string | undefined, flag: string, example: string): string {
  if (value === undefined) throw new UserError(`${flag} is required here.`, `For example: ${example}.`);
  return value;
}

export function parseDbCommand(words: readonly string[], values: Values): DbCommand {
  const [action, ref, ...extra] = words;
  const refOf = (verb: string) => {
    if (ref === undefined || extra.length > 0)
      throw new UserError(
        `db ${verb} takes exactly one repository reference.`,
        `Run \`portcullis db ${verb} myregistry.azurecr.io/portcullis-db:1\`.`,
      );
    return ref;
  };
  switch (action) {
    case "build":
      if (ref !== undefined)
        throw new UserError(`db build takes no positional arguments ("${ref}").`, "Name each source with --osv or --oval.");
      if (!values.osv?.length && !values.oval?.length)
        throw new UserError(
          "db build needs at least one --osv or --oval source.",
          "For example: `portcullis db build --osv PyPI/all.zip --out db/`.",
        );
      return {
        name: "db",
        action: "build",
        build: {
          osv: values.osv ?? [],
          ...(values.oval && { oval: values.oval }),
          ...(values.kev !== undefined && { kev: values.kev }),
          ...(values.epss !== undefined && { epss: values.epss }),
          out: required(values.out, "--out", "--out db/"),
        },
      };
    case "push":
    case "pull":
      return {
        name: "db",
        action,
        ref: refOf(action),
        ...(action === "push" && { dir: required(values.db, "--db", "--db db/") }),
        cacheDir: cacheDirOf(values),
        registry: registrySettings(values),
        passwordStdin: passwordFromStdin(values, []),
      };
    case "info":
      if (ref !== undefined)
        throw new UserError(`db info takes no positional arguments ("${ref}").`, "Name a database directory with --db.");
      return {
        name: "db",
        action: "info",
        ...(values.db !== undefined && { dir: values.db }),
        cacheDir: cacheDirOf(values),
        format: parseChoice("--format", values.format?.at(-1) ?? "table", DB_INFO_FORMATS),
      };
    default:
      throw new UserError(
        action === undefined ? "db needs an action." : `unknown db action "${action}".`,
        "The actions are build, push, pull and info; run `portcullis --help` for usage.",
      );
  }
}
