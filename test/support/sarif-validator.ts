import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { realPartAvailable } from "./real-parts.js";

const VALIDATOR = resolve("node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");

export const sarifValidatorAvailable = realPartAvailable(
  "the SARIF multitool",
  VALIDATOR,
  "run `npm ci` and `chmod u+x` it (see .ci/run).",
);

export interface ValidationResult {
  errors: string[];
  warnings: string[];
}

/** Runs Microsoft's SARIF validator with GitHub's ingestion rules and the SARIF spec rules. */
export async function validateSarif(file: string): Promise<ValidationResult> {
  const { stdout } = await promisify(execFile)(VALIDATOR, ["validate", "--rule-kind", "Gh;Sarif", file], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines = stdout.split("\n");
  return {
    errors: lines.filter((line) => /: error [A-Z]+\d+:/.test(line)),
    warnings: lines.filter((line) => /: warning [A-Z]+\d+:/.test(line)),
  };
}
