import { pathToFileURL } from "node:url";
import { DEFAULT_CONFIG_FILE, loadConfig } from "../config/load.js";
import { mergeConfig } from "../config/merge.js";
import { isUserError, UserError } from "../errors.js";
import { inventoryImage } from "../image/inventory-image.js";
import type { ScanReport } from "../model/index.js";
import type { RegistrySettings } from "../registry/settings.js";
import { formatIssue, plural } from "../report/format.js";
import { renderReport } from "../report/index.js";
import { renderRuleCatalog } from "../report/rule-catalog.js";
import { BUILT_IN_RULES } from "../rules/index.js";
import { scan } from "../scan.js";
import { TOOL } from "../version.js";
import { type Command, parseCommand, STDOUT, USAGE } from "./args.js";
import { writeAtomically } from "./write.js";

export const EXIT_PASSED = 0;
export const EXIT_FAILED = 1;
export const EXIT_ERROR = 2;

export interface Terminal {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/** Runs the CLI and returns its exit code; never throws. */
export async function main(argv: readonly string[], terminal: Terminal): Promise<number> {
  let command: Command | undefined;
  try {
    command = parseCommand(argv);
    switch (command.name) {
      case "help":
        terminal.stdout.write(USAGE);
        return EXIT_PASSED;
      case "version":
        terminal.stdout.write(`${TOOL.name} ${TOOL.version}\n`);
        return EXIT_PASSED;
      case "rules":
        terminal.stdout.write(
          renderRuleCatalog(
            BUILT_IN_RULES.map((rule) => rule.descriptor),
            command.format,
          ),
        );
        return EXIT_PASSED;
      case "sbom":
        return await writeSbom(command, terminal);
      case "scan":
        return await runScan(command, terminal);
      case "db": {
        const { runDbCommand } = await import("./db.js");
        const registry = "registry" in command ? await withStdinPassword(command.registry, command.passwordStdin) : {};
        await runDbCommand(command, terminal, registry);
        return EXIT_PASSED;
      }
    }
  } catch (error) {
    terminal.stderr.write(describeError(error, command?.name === "scan" && command.debug));
    return EXIT_ERROR;
  }
}

async function runScan(command: Extract<Command, { name: "scan" }>, terminal: Terminal): Promise<number> {
  const config = await loadConfig(command.configPath ?? DEFAULT_CONFIG_FILE, command.configPath !== undefined);
  const registry = await withStdinPassword(command.scan.registry ?? {}, command.passwordStdin);
  const report = await scan({ ...mergeConfig(config, command.scan), registry, stdin: process.stdin });
  const rendered = renderAll(command, report, terminal);
  for (const { output, content } of rendered) {
    if (output === STDOUT) terminal.stdout.write(content);
    else await writeAtomically(output, content);
  }
  // The table lists errors and warnings; without it on the terminal they go to stderr.
  const tableShown = rendered.some(({ format, output }) => format === "table" && output === STDOUT);
  if (!tableShown && !command.quiet)
    for (const issue of report.warnings) terminal.stderr.write(`portcullis: warning: ${formatIssue(issue)}\n`);
  if (report.errors.length > 0) {
    if (!tableShown) for (const issue of report.errors) terminal.stderr.write(`portcullis: error: ${formatIssue(issue)}\n`);
    terminal.stderr.write(
      `portcullis: error: could not scan ${plural(report.errors.length, "input")}; the findings of the rest are reported. Fix or remove them and scan again.\n`,
    );
    return EXIT_ERROR;
  }
  return report.verdict.passed ? EXIT_PASSED : EXIT_FAILED;
}

async function writeSbom(command: Extract<Command, { name: "sbom" }>, terminal: Terminal): Promise<number> {
  const registry = await withStdinPassword(command.registry, command.passwordStdin);
  const image = await inventoryImage(command.ref, { platform: command.platform, cacheDir: command.cacheDir, registry });
  // Loaded here, not at start-up: the CycloneDX library alone costs every other command ~0.2 s.
  const { renderSbom } = await import("../inventory/sbom/index.js");
  const document = renderSbom(image, command.format, TOOL);
  if (command.output === STDOUT) terminal.stdout.write(document);
  else await writeAtomically(command.output, document);
  for (const note of image.notes) terminal.stderr.write(`portcullis: warning: ${command.ref}: ${note}\n`);
  return EXIT_PASSED;
}

/** `--password-stdin`: the whole of standard input, less the line break `echo` adds. */
async function withStdinPassword(settings: RegistrySettings, fromStdin: boolean): Promise<RegistrySettings> {
  if (!fromStdin) return settings;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  const password = Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
  if (password === "")
    throw new UserError("--password-stdin read an empty password.", 'Pipe the password in, e.g. `echo "$TOKEN" | portcullis ...`.');
  return { ...settings, password };
}

/** Every report is rendered before any is written, so a failure cannot leave some written. */
function renderAll(command: Extract<Command, { name: "scan" }>, report: ScanReport, terminal: Terminal) {
  const outputs = [...command.outputs];
  if (!command.quiet && !outputs.some(({ output }) => output === STDOUT)) outputs.push({ format: "table", output: STDOUT });
  const color = Boolean(terminal.stdout.isTTY) && !terminal.env.NO_COLOR;
  const sourceRootUri = `${pathToFileURL(command.scan.sourceRoot ?? process.cwd()).href.replace(/\/?$/, "/")}`;
  return outputs.map(({ format, output }) => ({
    format,
    output,
    content: renderReport(format, report, { color: output === STDOUT && color, sourceRootUri }),
  }));
}

function describeError(error: unknown, debug: boolean): string {
  if (isUserError(error)) return `portcullis: error: ${error.message}${error.hint ? ` ${error.hint}` : ""}\n`;
  const detail =
    debug && error instanceof Error ? `\n${error.stack}` : " Run again with --debug for the stack trace, and report it as a bug.";
  return `portcullis: internal error: ${error instanceof Error ? error.message : String(error)}.${detail}\n`;
}
