import { createRequire } from "node:module";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import { RFC3339_DATE_TIME } from "../date-time.js";
import type { OsvRecord } from "./types.js";

const FORMATS = {
  // The schema's `timestamp`; Date.parse also refuses impossible dates and times.
  "date-time": (value: string) => RFC3339_DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)),
  // An absolute URL; references are only ever shown as links.
  uri: (value: string) => URL.canParse(value),
};

let compiled: ValidateFunction<OsvRecord> | undefined;

/**
 * Compiled on first use, once: the schema is large and most runs ingest nothing. The upstream
 * schema leaves `type` out beside keywords that only apply to one type (valid JSON Schema), which
 * ajv's own `strictTypes` lint would log about on every compile.
 */
function validator(): ValidateFunction<OsvRecord> {
  compiled ??= new Ajv2020({ formats: FORMATS, allowUnionTypes: true, strictTypes: false, verbose: true }).compile<OsvRecord>(
    createRequire(import.meta.url)("../../../schema/osv.schema.json"),
  );
  return compiled;
}

export type SchemaCheck = { valid: true; record: OsvRecord } | { valid: false; problem: string };

/** Validates `record` against the OSV schema; a failure names its most specific problem, short enough for a log line. */
export function checkOsvRecord(record: unknown): SchemaCheck {
  const validate = validator();
  if (validate(record)) return { valid: true, record };
  const problem = mostSpecific(validate.errors ?? []);
  return { valid: false, problem: problem ? describeProblem(problem) : "does not match the OSV schema" };
}

const MAX_SHOWN = 80;

/**
 * The error deepest in the record: a `oneOf` (range events) reports every branch that failed,
 * and the branch that reached furthest (`/events/1/fixed` has a bad form) is the one that explains.
 */
function mostSpecific(errors: ErrorObject[]): ErrorObject | undefined {
  return errors.reduce<ErrorObject | undefined>((best, error) => (best && depth(best) >= depth(error) ? best : error), undefined);
}

function depth(error: ErrorObject): number {
  return error.instancePath.split("/").length;
}

function describeProblem(problem: ErrorObject): string {
  const where = problem.instancePath === "" ? "the record" : problem.instancePath;
  switch (problem.keyword) {
    case "pattern":
      // The schema's patterns are long alternations (every known id prefix); the value says more.
      return `${where} ${JSON.stringify(shortened(problem.data))} has a form the OSV schema does not allow`;
    case "additionalProperties":
      return `${where} has a field the OSV schema does not define: "${(problem.params as { additionalProperty: string }).additionalProperty}"`;
    default:
      return `${where} ${problem.message ?? "is invalid"}`;
  }
}

function shortened(value: unknown): unknown {
  return typeof value === "string" && value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
}
