import { spawn, spawnSync } from "node:child_process";
import { resolve } from "node:path";

const BIN = resolve("core/bin/portcullis.js");

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  /** Written to the CLI's standard input, which is then closed. */
  input?: string;
}

function spawnOptions(options: CliOptions) {
  return {
    cwd: options.cwd ?? process.cwd(),
    ...(options.uid !== undefined && { uid: options.uid, gid: options.uid }),
    env: { ...process.env, NO_COLOR: "1", ...options.env },
  };
}

/** Runs the built `portcullis` binary as a user would, in its own process. */
export function runCli(args: readonly string[], options: CliOptions = {}): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    ...spawnOptions(options),
    encoding: "utf8",
    ...(options.input !== undefined && { input: options.input }),
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The same without blocking this process, for tests that serve something the CLI calls. */
export function runCliAsync(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], spawnOptions(options));
  if (options.input !== undefined) child.stdin.end(options.input);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += String(chunk);
  });
  child.stderr.on("data", (chunk) => {
    stderr += String(chunk);
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const NOBODY = 65534;

/**
 * The uid to run the CLI as so that file permissions apply: root reads any file, so as
 * root the CLI runs as "nobody", who must be able to read the checkout.
 */
export function unprivilegedUid(): number | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const probe = spawnSync(process.execPath, [BIN, "--version"], { uid: NOBODY, gid: NOBODY, encoding: "utf8" });
  if (probe.status !== 0) {
    throw new Error(
      `running as root, this test runs portcullis as uid ${NOBODY}, who cannot run ${BIN}: ${probe.error?.message ?? probe.stderr}`,
    );
  }
  return NOBODY;
}
