import { spawn } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { MANIFEST_LIMIT_TEXT, MAX_MANIFEST_BYTES } from "../load.js";

/** Rendering a real kustomization or chart takes seconds; a minute means it hangs. */
const RENDER_TIMEOUT_MS = 60_000;
/** Enough of a failing tool's stderr to show its error message. */
const STDERR_KEPT_BYTES = 64 * 1024;
const REASON_MAX_LENGTH = 600;

/** An executable file named `name` in a directory of PATH, or undefined. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here, or not executable
    }
  }
  return undefined;
}

export interface ToolRun {
  command: string;
  args: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  maxOutputBytes?: number;
}

export type ToolResult = { ok: true; stdout: string } | { ok: false; reason: string };

/**
 * Runs a renderer and collects what it prints. Never rejects: a tool that fails, hangs
 * past the timeout or prints more than the manifest size limit is killed and its
 * failure described in one line.
 */
export function runTool(run: ToolRun): Promise<ToolResult> {
  const timeoutMs = run.timeoutMs ?? RENDER_TIMEOUT_MS;
  const maxOutputBytes = run.maxOutputBytes ?? MAX_MANIFEST_BYTES;
  return new Promise((settle) => {
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = Buffer.alloc(0);
    let done = false;
    const child = spawn(run.command, [...run.args], { cwd: run.cwd, env: run.env, stdio: ["ignore", "pipe", "pipe"] });
    const finish = (result: ToolResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      settle(result);
    };
    const timer = setTimeout(() => finish({ ok: false, reason: `did not finish within ${timeoutMs / 1000} s` }), timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > maxOutputBytes) {
        const limit = maxOutputBytes === MAX_MANIFEST_BYTES ? MANIFEST_LIMIT_TEXT : `${maxOutputBytes} bytes`;
        finish({ ok: false, reason: `printed more than ${limit}, the limit for one manifest stream` });
      } else {
        stdout.push(chunk);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = Buffer.concat([stderr, chunk]);
      if (stderr.length > STDERR_KEPT_BYTES) stderr = stderr.subarray(stderr.length - STDERR_KEPT_BYTES);
    });
    child.on("error", (error: NodeJS.ErrnoException) => finish({ ok: false, reason: `could not be run (${error.code ?? error.message})` }));
    child.on("close", (code, signal) => {
      if (code === 0) finish({ ok: true, stdout: Buffer.concat(stdout).toString("utf8") });
      else finish({ ok: false, reason: errorMessageOf(stderr.toString("utf8")) ?? `exited with ${code ?? signal}` });
    });
  });
}

/**
 * The error message in a renderer's stderr: kubectl logs `… "command failed" err="…"`,
 * kustomize and helm print `Error: …`; otherwise the last line.
 */
export function errorMessageOf(stderr: string): string | undefined {
  const lines = stderr
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  const logged = lines.map((line) => /\berr="((?:[^"\\]|\\.)*)"/.exec(line)?.[1]).find((message) => message !== undefined);
  const message = logged
    ? logged.replace(/\\(.)/g, "$1")
    : (lines.find((line) => line.startsWith("Error:"))?.slice("Error:".length) ?? lines.at(-1));
  const trimmed = message?.trim();
  if (!trimmed) return undefined;
  return trimmed.length > REASON_MAX_LENGTH ? `${trimmed.slice(0, REASON_MAX_LENGTH)}…` : trimmed;
}
