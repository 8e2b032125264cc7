import { type CelInput, CelScalar, type CelValue, celEnv, celError, celFunc, isCelError, parse, plan } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import { type Comprehension, type Expr, walk } from "./cel-ast.js";
import { type Declarations, findCompileProblem, type StaticType } from "./cel-checks.js";
import { KUBERNETES_LIST_FUNCTIONS } from "./kubernetes-lists.js";

/**
 * The CEL engine for policies: @bufbuild/cel (conformance-tested against cel-spec, RE2
 * regular expressions like the API server, so `matches` cannot backtrack for ever), with
 * the strings extension and the Kubernetes list library, and a cost budget.
 */

/**
 * Comprehension iterations one evaluation may run: the API server's per-expression cost
 * limit (1,000,000), where every iteration costs at least 1. CEL has no other loops, so
 * this bounds nested macros over large lists, the only way an expression can run away.
 */
const ITERATION_BUDGET = 1_000_000;
const BUDGET_FUNCTION = "@portcullis_budget";

const budget = { remaining: ITERATION_BUDGET, depth: 0 };

const meter = celFunc(BUDGET_FUNCTION, [CelScalar.DYN], CelScalar.DYN, (condition) => {
  budget.remaining--;
  if (budget.remaining < 0) throw new Error(budgetMessage());
  return condition;
});

const ENV = celEnv({ funcs: [...strings, ...KUBERNETES_LIST_FUNCTIONS, meter] });

/** Variables of one evaluation; a getter may compute a value on first use (policy variables are lazy). */
export type Activation = Record<string, unknown>;
type Program = (activation: Activation) => CelValue | ReturnType<typeof celError>;

export interface CompiledExpression {
  /** The source on one line, shortened, for messages. */
  display: string;
  program: Program;
}

/** Text for one-paragraph messages: whitespace (also the line breaks of block scalars) collapsed, long text cut. */
export function oneLine(text: string, limit = 200): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > limit ? `${flat.slice(0, limit - 1)}…` : flat;
}

export type Evaluation = { value: CelValue } | { error: string };

export class CelCompileError extends Error {}

/** Parses and checks an expression; throws CelCompileError with the reason when it does not compile. */
export function compileCel(text: string, declarations: Declarations, expected?: StaticType): CompiledExpression {
  try {
    return compileChecked(text, declarations, expected);
  } catch (error) {
    if (error instanceof RangeError) throw new CelCompileError("it is nested too deeply");
    throw error;
  }
}

function compileChecked(text: string, declarations: Declarations, expected?: StaticType): CompiledExpression {
  const parsed = parseOrExplain(text);
  const problem = findCompileProblem(parsed.expr, ENV, declarations, expected);
  if (problem) throw new CelCompileError(problem);
  meterComprehensions(parsed.expr);
  return { display: oneLine(text), program: plan(ENV, parsed.expr) as unknown as Program };
}

function parseOrExplain(text: string): ReturnType<typeof parse> {
  try {
    return parse(text);
  } catch (error) {
    if (error instanceof RangeError) throw error;
    const reason = error instanceof Error ? error.message.replace(/^<input>:/, "") : String(error);
    throw new CelCompileError(`syntax error at ${reason}`);
  }
}

/** Wraps every comprehension's loop condition so that each iteration is paid from the budget. */
function meterComprehensions(root: Expr): void {
  const nodes = [...walk(root)];
  let nextId = nodes.reduce((max, node) => (node.id > max ? node.id : max), 0n);
  for (const node of nodes) {
    if (node.exprKind.case !== "comprehensionExpr") continue;
    const loop: Comprehension = node.exprKind.value;
    if (!loop.loopCondition) continue;
    nextId++;
    loop.loopCondition = {
      $typeName: "cel.expr.Expr",
      id: nextId,
      exprKind: { case: "callExpr", value: { $typeName: "cel.expr.Expr.Call", function: BUDGET_FUNCTION, args: [loop.loopCondition] } },
    };
  }
}

/**
 * Runs a compiled expression. Nested runs (a lazy variable used by an expression) share
 * the budget of the outermost one, as the API server charges variables to their user.
 */
export function evaluateCel(expression: CompiledExpression, activation: Activation): Evaluation {
  if (budget.depth === 0) budget.remaining = ITERATION_BUDGET;
  budget.depth++;
  try {
    const result = expression.program(activation);
    if (budget.remaining < 0) return { error: budgetMessage() };
    return isCelError(result) ? { error: result.message } : { value: result };
  } catch (error) {
    return { error: error instanceof RangeError ? "the evaluation ran out of stack (nested too deeply)" : String(error) };
  } finally {
    budget.depth--;
  }
}

function budgetMessage(): string {
  return `the evaluation exceeded its budget of ${ITERATION_BUDGET.toLocaleString("en-US")} comprehension iterations and was stopped`;
}

/** An error value for an activation getter: using it fails the expression like any CEL error. */
export function errorValue(message: string): unknown {
  return celError(message);
}

const converted = new WeakMap<object, CelInput>();

/**
 * A JSON-like value (a parsed manifest) as CEL sees a Kubernetes object: integers are `int`,
 * other numbers `double`, objects maps with string keys.
 */
export function toCelInput(value: unknown): CelInput {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return Number.isInteger(value) ? BigInt(value) : value;
  if (typeof value === "string" || typeof value === "boolean" || typeof value === "bigint") return value;
  if (typeof value !== "object") return String(value);
  const cached = converted.get(value);
  if (cached !== undefined) return cached;
  const result: CelInput = Array.isArray(value)
    ? value.map(toCelInput)
    : new Map(Object.entries(value).map(([key, item]) => [key, toCelInput(item)]));
  converted.set(value, result);
  return result;
}
