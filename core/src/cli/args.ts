import { parseArgs } from "node:util";
import { parseKubernetesVersion, parsePssVersion } from "../config/versions.js";
import { UserError } from "../errors.js";
import { parsePlatform } from "../image/sources/index.js";
import type { Platform } from "../image/types.js";
import { SBOM_FORMATS, type SbomFormat } from "../inventory/sbom/formats.js";
import { FAIL_ON_LEVELS } from "../model/index.js";
import type { RegistrySettings } from "../registry/settings.js";
import { isReportFormat, REPORT_FORMATS, type ReportFormat } from "../report/index.js";
import type { PssLevel, RuleOptions } from "../rules/index.js";
import { DEFAULT_FAIL_ON, type ScanOptions } from "../scan.js";
import type { VulnerabilityOptions } from "../scan-images.js";
import { DEFAULT_OSV_API_ENDPOINT } from "../vulndb/online/index.js";
import { DEFAULT_DB_REPOSITORY } from "../vulndb/resolve.js";
import { DB_USAGE, type DbCommand, parseDbCommand } from "./db-command.js";
import { cacheOption, parseChoice, passwordFromStdin, registrySettings } from "./option-values.js";

/** `-` means standard output. */
export const STDOUT = "-";

export interface OutputRequest {
  format: ReportFormat;
  output: string;
}

export const RULE_LIST_FORMATS = ["table", "json", "markdown"] as const;
export type RuleListFormat = (typeof RULE_LIST_FORMATS)[number];

export type Command =
  | { name: "help" }
  | { name: "version" }
  | { name: "rules"; format: RuleListFormat }
  | {
      name: "sbom";
      ref: string;
      format: SbomFormat;
      output: string;
      platform?: Platform;
      cacheDir?: string;
      registry: RegistrySettings;
      passwordStdin: boolean;
    }
  | DbCommand
  | {
      name: "scan";
      /** Only what the command line says; the config file fills in the rest. */
      scan: ScanOptions;
      /** The registry password is to be read from standard input before scanning. */
      passwordStdin: boolean;
      configPath?: string;
      outputs: OutputRequest[];
      quiet: boolean;
      debug: boolean;
    };

const OPTIONS = {
  format: { type: "string", short: "f", multiple: true },
  output: { type: "string", short: "o", multiple: true },
  "fail-on": { type: "string" },
  "source-root": { type: "string" },
  config: { type: "string", short: "c" },
  "pss-level": { type: "string" },
  "pss-version": { type: "string" },
  "kube-version": { type: "string" },
  "allowed-registry": { type: "string", multiple: true },
  "no-inline-ignores": { type: "boolean" },
  "follow-symlinks": { type: "boolean" },
  "helm-values": { type: "string", multiple: true },
  "helm-set": { type: "string", multiple: true },
  policy: { type: "string", multiple: true },
  image: { type: "string", multiple: true },
  platform: { type: "string" },
  "cache-dir": { type: "string" },
  "no-cache": { type: "boolean" },
  username: { type: "string" },
  password: { type: "string" },
  "password-stdin": { type: "boolean" },
  "insecure-registry": { type: "string", multiple: true },
  db: { type: "string" },
  "db-repository": { type: "string", multiple: true },
  "skip-db-update": { type: "boolean" },
  "max-db-age": { type: "string" },
  "only-fixed": { type: "boolean" },
  "inventory-only": { type: "boolean" },
  "osv-online": { type: "boolean" },
  "osv-api": { type: "string" },
  osv: { type: "string", multiple: true },
  oval: { type: "string", multiple: true },
  kev: { type: "string" },
  epss: { type: "string" },
  out: { type: "string" },
  quiet: { type: "boolean", short: "q" },
  debug: { type: "boolean" },
  version: { type: "boolean", short: "V" },
  help: { type: "boolean", short: "h" },
} as const;

export const USAGE = `Usage: portcullis scan [PATH...] [options]
       portcullis rules [--format table|json|markdown]
       portcullis sbom IMAGE [--format cyclonedx-json|spdx-json] [--output FILE]
${DB_USAGE}

scan: checks Kubernetes manifests (YAML and JSON files under each PATH, default
".", Kustomize directories and Helm charts rendered when their tool is on PATH;
"-" reads standard input) and gates on the most severe finding.
rules: lists the built-in rules with their standards mappings.
sbom: writes the image's packages as CycloneDX 1.6 (default) or SPDX 2.3 JSON.

Options:
  -f, --format FORMAT   ${REPORT_FORMATS.join(" | ")} (default table);
                        repeat for more reports
  -o, --output FILE     where the --format before it goes ("-" is stdout, the default)
  --fail-on LEVEL       ${FAIL_ON_LEVELS.join(" | ")} (default ${DEFAULT_FAIL_ON})
  --source-root DIR     report paths relative to DIR (default: current directory)
  -c, --config FILE     settings file (default .portcullis.yaml if present); flags override it
  --pss-level LEVEL     baseline | restricted (default restricted)
  --pss-version V       v1.0 ... v1.N | latest (default latest), as pod-security-admission
  --kube-version V      target Kubernetes version, e.g. 1.29, for removed APIs (default: newest)
  --allowed-registry R  registry (or registry/path prefix) images may come from; repeatable
  --no-inline-ignores   ignore portcullis.dev/ignore annotations on resources
  --follow-symlinks     follow symbolic links that leave the scanned directory
  --helm-values FILE    values file for helm template; repeatable
  --helm-set KEY=VALUE  value for helm template; repeatable
  --policy FILE         ValidatingAdmissionPolicy (CEL) file to enforce; repeatable
  --image REF           image to inventory: REF or docker://REF (registry),
                        docker-archive:PATH, oci:DIR[:TAG], oci-archive:PATH,
                        docker-daemon:NAME:TAG; repeatable
  --platform P          os/arch[/variant] to read from multi-platform images
                        (default linux/amd64)
  --cache-dir DIR       per-layer cache (default: $RUNNER_TOOL_CACHE/portcullis on
                        runners, else ~/.cache/portcullis); --no-cache turns it off
  --username USER       registry user, with --password-stdin (or --password, which
                        other processes can see); sent to every registry that asks,
                        so for several registries prefer docker login / config.json.
                        Also: env PORTCULLIS_REGISTRY_USERNAME/_PASSWORD, Docker's
                        config.json and credential helpers, and for ACR an Entra
                        token in env PORTCULLIS_AZURE_ACCESS_TOKEN
  --insecure-registry H plain HTTP for registry H (host[:port]); repeatable
  --db DIR              vulnerability database directory (portcullis db build);
                        default: pulled from --db-repository and cached by digest
  --db-repository REF   where the database artifact is pulled from, tried in order
                        (a mirror first); repeatable (default ${DEFAULT_DB_REPOSITORY})
  --skip-db-update      use the cached database, ask no registry
  --max-db-age HOURS    refuse a database older than this (48, 48h, 2d); older than
                        24 h only warns
  --only-fixed          report only vulnerabilities that have a fixed version
  --inventory-only      list image packages, match no vulnerabilities (no database)
  --osv-online          ask the OSV API about the image's packages instead of a
                        database (no KEV/EPSS); --osv-api URL for another endpoint
  -q, --quiet           print nothing but errors unless a report goes to stdout
  --debug               show stack traces of internal errors
  -V, --version         print the version
  -h, --help            print this help

Exit codes: 0 gate passed, 1 gate failed, 2 could not scan.
`;

export function parseCommand(argv: readonly string[]): Command {
  const parsed = parseOrExplain(argv);
  const { values, positionals } = parsed;
  if (values.version) return { name: "version" };
  if (values.help) return { name: "help" };
  const [command, ...paths] = positionals;
  if (command === undefined) throw new UserError("no command given.", "Run `portcullis scan [PATH...]`, or `portcullis --help`.");
  if (command === "rules") return { name: "rules", format: parseChoice("--format", values.format?.at(-1) ?? "table", RULE_LIST_FORMATS) };
  if (command === "sbom") return parseSbomCommand(paths, values);
  if (command === "db") return parseDbCommand(paths, values);
  if (command !== "scan")
    throw new UserError(`unknown command "${command}".`, "The commands are scan, rules, sbom and db; run `portcullis --help` for usage.");
  return {
    name: "scan",
    scan: {
      paths,
      ...(values["fail-on"] !== undefined && { failOn: parseChoice("--fail-on", values["fail-on"], FAIL_ON_LEVELS) }),
      ...(values["source-root"] !== undefined && { sourceRoot: values["source-root"] }),
      ruleOptions: parseRuleOptions(values),
      ...(values["follow-symlinks"] && { followSymlinks: true }),
      helm: { valuesFiles: values["helm-values"] ?? [], set: values["helm-set"] ?? [] },
      policies: values.policy ?? [],
      images: values.image ?? [],
      ...(values.platform !== undefined && { platform: parsePlatform(values.platform) }),
      ...cacheOption(values),
      registry: registrySettings(values),
      vulnerabilities: vulnerabilityOptions(values),
    },
    passwordStdin: passwordFromStdin(values, paths),
    ...(values.config !== undefined && { configPath: values.config }),
    outputs: pairOutputs(parsed.tokens),
    quiet: values.quiet ?? false,
    debug: values.debug ?? false,
  };
}

export type Values = ReturnType<typeof parseOrExplain>["values"];

function parseRuleOptions(values: Values): Partial<RuleOptions> {
  return {
    ...(values["pss-level"] !== undefined && { pssLevel: parseChoice("--pss-level", values["pss-level"], PSS_LEVELS) }),
    ...(values["pss-version"] !== undefined && {
      pssVersion: versionOrExplain("--pss-version", values["pss-version"], parsePssVersion(values["pss-version"]), "v1.29 or latest"),
    }),
    ...(values["kube-version"] !== undefined && {
      kubeVersion: versionOrExplain("--kube-version", values["kube-version"], parseKubernetesVersion(values["kube-version"]), "1.29"),
    }),
    ...(values["allowed-registry"] !== undefined && { allowedRegistries: values["allowed-registry"] }),
    ...(values["no-inline-ignores"] && { inlineIgnores: false }),
  };
}

const PSS_LEVELS: readonly PssLevel[] = ["baseline", "restricted"];

function parseSbomCommand(refs: readonly string[], values: Values): Command {
  const [ref, ...extra] = refs;
  if (ref === undefined || extra.length > 0) {
    throw new UserError(
      "sbom takes exactly one image reference.",
      "Run `portcullis sbom oci:DIR[:TAG]` (or docker-archive:PATH, oci-archive:PATH).",
    );
  }
  return {
    name: "sbom",
    ref,
    format: parseChoice("--format", values.format?.at(-1) ?? "cyclonedx-json", SBOM_FORMATS),
    output: values.output?.at(-1) ?? STDOUT,
    ...(values.platform !== undefined && { platform: parsePlatform(values.platform) }),
    ...cacheOption(values),
    registry: registrySettings(values),
    passwordStdin: passwordFromStdin(values, []),
  };
}

function vulnerabilityOptions(values: Values): VulnerabilityOptions {
  return {
    ...(values["inventory-only"] && { enabled: false }),
    ...(values.db !== undefined && { db: values.db }),
    ...(values["db-repository"] !== undefined && { repositories: values["db-repository"] }),
    ...(values["skip-db-update"] && { skipUpdate: true }),
    ...(values["max-db-age"] !== undefined && { maxAgeHours: parseHours("--max-db-age", values["max-db-age"]) }),
    ...(values["only-fixed"] && { onlyFixed: true }),
    ...((values["osv-online"] || values["osv-api"] !== undefined) && { osvApi: values["osv-api"] ?? DEFAULT_OSV_API_ENDPOINT }),
  };
}

/** `48`, `48h` or `2d` → hours. */
function parseHours(flag: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?)([hd]?)$/.exec(value.trim());
  if (!match) throw new UserError(`${flag} "${value}" is not a duration.`, "Write hours or days, e.g. 48, 48h or 2d.");
  return Number(match[1]) * (match[2] === "d" ? 24 : 1);
}

function versionOrExplain<T>(flag: string, value: string, parsed: T | undefined, example: string): T {
  if (parsed === undefined) throw new UserError(`${flag} "${value}" is not a Kubernetes version.`, `Write it like ${example}.`);
  return parsed;
}

function parseOrExplain(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    throw new UserError(`${(error as Error).message.replace(/\.$/, "")}.`, "Run `portcullis --help` for usage.");
  }
}

type Tokens = ReturnType<typeof parseOrExplain>["tokens"];

/** Each --output belongs to the --format just before it, so the order on the command line matters. */
function pairOutputs(tokens: Tokens): OutputRequest[] {
  const requests: { format: ReportFormat; output?: string }[] = [];
  for (const token of tokens) {
    if (token.kind !== "option" || token.value === undefined) continue;
    if (token.name === "format") {
      if (!isReportFormat(token.value)) {
        throw new UserError(`--format "${token.value}" is not a report format.`, `Use one of: ${REPORT_FORMATS.join(", ")}.`);
      }
      requests.push({ format: token.value });
    } else if (token.name === "output") {
      const last = requests.at(-1);
      if (!last || last.output !== undefined) {
        throw new UserError(
          `--output "${token.value}" does not follow a --format.`,
          "Write each --output right after the --format it is for, e.g. `--format sarif --output results.sarif`.",
        );
      }
      last.output = token.value;
    }
  }
  const outputs =
    requests.length > 0
      ? requests.map(({ format, output }) => ({ format, output: output ?? STDOUT }))
      : [{ format: "table" as const, output: STDOUT }];
  if (outputs.filter(({ output }) => output === STDOUT).length > 1) {
    throw new UserError("more than one report would be written to stdout.", "Give every --format but one its own --output FILE.");
  }
  return outputs;
}
