import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import { LineCounter, parseDocument } from "yaml";
import { UserError } from "../errors.js";
import { type FieldPath, locate } from "../manifests/positions.js";
import type { FailOn } from "../model/index.js";
import type { PssLevel } from "../rules/index.js";
import type { VulnerabilityOptions } from "../scan-images.js";

/** The file read when no --config is given, if it exists. */
export const DEFAULT_CONFIG_FILE = ".portcullis.yaml";

/** `.portcullis.yaml` as validated against core/schema/config.schema.json. */
export interface PortcullisConfig {
  paths?: string[];
  failOn?: FailOn;
  pss?: { level?: PssLevel; version?: string };
  kubeVersion?: string;
  allowedRegistries?: string[];
  inlineIgnores?: boolean;
  followSymlinks?: boolean;
  helm?: { valuesFiles?: string[]; set?: string[] };
  policies?: string[];
  images?: string[];
  vulnerabilities?: VulnerabilityOptions;
}

let compiled: ValidateFunction<PortcullisConfig> | undefined;

/** Compiled on first use: most runs have no config file to check. */
function validator(): ValidateFunction<PortcullisConfig> {
  compiled ??= new Ajv2020({ allErrors: true }).compile<PortcullisConfig>(
    createRequire(import.meta.url)("../../schema/config.schema.json"),
  );
  return compiled;
}

/**
 * Reads and validates a config file. `required` is false for the default file, which may
 * be absent; every problem names the file, line and column.
 */
export async function loadConfig(path: string, required: boolean): Promise<PortcullisConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!required && code === "ENOENT") return {};
    throw new UserError(`config file "${path}" cannot be read (${code ?? "unknown error"}).`, "Pass an existing file to --config.");
  }
  return parseConfig(path, text);
}

export function parseConfig(path: string, text: string): PortcullisConfig {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, logLevel: "error" });
  const syntaxError = document.errors[0];
  if (syntaxError) {
    const at = lineCounter.linePos(syntaxError.pos[0]);
    throw new UserError(
      `config ${path}:${at.line}:${at.col}: invalid YAML: ${syntaxError.message.split("\n")[0]}.`,
      "Fix the YAML syntax.",
    );
  }
  const value = document.toJS({ maxAliasCount: 100 }) ?? {};
  const validate = validator();
  if (validate(value)) return value;
  const problem = (validate.errors ?? [])[0] as ErrorObject;
  const fieldPath = pointerToPath(problem.instancePath);
  const at = locate({ path, text, document, lineCounter }, fieldPath);
  const field = fieldPath.length > 0 ? fieldPath.join(".") : "the top level";
  throw new UserError(
    `config ${path}:${at.startLine}:${at.startColumn}: ${field} ${describeProblem(problem)}.`,
    "See core/schema/config.schema.json for the settings and their values.",
  );
}

function pointerToPath(pointer: string): FieldPath {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((segment) => segment.replaceAll("~1", "/").replaceAll("~0", "~"))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

function describeProblem(problem: ErrorObject): string {
  switch (problem.keyword) {
    case "additionalProperties":
      return `has an unknown setting "${(problem.params as { additionalProperty: string }).additionalProperty}"`;
    case "enum":
      return `must be one of: ${(problem.params as { allowedValues: unknown[] }).allowedValues.join(", ")}`;
    default:
      return problem.message ?? "is invalid";
  }
}
