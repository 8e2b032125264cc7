import { parseArgs } from "node:util";
import { UserError } from "../errors.js";
import { FAIL_ON_LEVELS, type FailOn } from "../model/index.js";
import { isReportFormat, REPORT_FORMATS, type ReportFormat } from "../report/index.js";
import { DEFAULT_FAIL_ON } from "../scan.js";

/** `-` means standard output. */
export const STDOUT = "-";

export interface OutputRequest {
  format: ReportFormat;
  output: string;
}

export type Command =
  | { name: "help" }
  | { name: "version" }
  | {
      name: "scan";
      paths: string[];
      outputs: OutputRequest[];
      failOn: FailOn;
      sourceRoot?: string;
      quiet: boolean;
      debug: boolean;
    };

const OPTIONS = {
  format: { type: "string", short: "f", multiple: true },
  output: { type: "string", short: "o", multiple: true },
  "fail-on": { type: "string" },
  "source-root": { type: "string" },
  quiet: { type: "boolean", short: "q" },
  debug: { type: "boolean" },
  version: { type: "boolean", short: "V" },
  help: { type: "boolean", short: "h" },
} as const;

export const USAGE = `Usage: portcullis scan [PATH...] [options]

Scans Kubernetes manifests (YAML and JSON files under each PATH, default ".")
and gates on the most severe finding.

Options:
  -f, --format FORMAT   ${REPORT_FORMATS.join(" | ")} (default table); repeat for more reports
  -o, --output FILE     where the --format before it goes ("-" is stdout, the default)
  --fail-on LEVEL       ${FAIL_ON_LEVELS.join(" | ")} (default ${DEFAULT_FAIL_ON})
  --source-root DIR     report paths relative to DIR (default: current directory)
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
  if (command !== "scan") throw new UserError(`unknown command "${command}".`, "The command is `scan`; run `portcullis --help` for usage.");
  return {
    name: "scan",
    paths: paths.length > 0 ? paths : ["."],
    outputs: pairOutputs(parsed.tokens),
    failOn: parseFailOn(values["fail-on"]),
    ...(values["source-root"] !== undefined && { sourceRoot: values["source-root"] }),
    quiet: values.quiet ?? false,
    debug: values.debug ?? false,
  };
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

function parseFailOn(value: string | undefined): FailOn {
  if (value === undefined) return DEFAULT_FAIL_ON;
  if ((FAIL_ON_LEVELS as readonly string[]).includes(value)) return value as FailOn;
  throw new UserError(`--fail-on "${value}" is not a severity.`, `Use one of: ${FAIL_ON_LEVELS.join(", ")}.`);
}
