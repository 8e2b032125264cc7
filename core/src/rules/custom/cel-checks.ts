import type { CelEnv } from "@bufbuild/cel";
import { childrenOf, type Expr } from "./cel-ast.js";

/**
 * What the API server's type checker would reject before a policy is ever used, as far as
 * it can be told without the resources' schemas: unknown names, unknown functions, and a
 * result of the wrong type where the expression's shape fixes it.
 */

/** The variables every ValidatingAdmissionPolicy expression sees (besides `params` and `variables`). */
const ADMISSION_VARIABLES = new Set(["object", "oldObject", "request", "namespaceObject"]);
const TYPE_NAMES = new Set(["bool", "int", "uint", "double", "string", "bytes", "list", "map", "null_type", "type", "dyn"]);
const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type StaticType = "bool" | "int" | "uint" | "double" | "string" | "bytes" | "list" | "map" | "null_type" | "type" | "timestamp";

/** The names an expression may use besides the admission variables. */
export interface Declarations {
  /** The policy variables defined so far. */
  variables: ReadonlySet<string>;
  /** Whether the policy has a paramKind (only then is `params` declared). */
  params: boolean;
}

/**
 * The first problem that keeps the expression from compiling, or undefined. A misused macro
 * comes first (its variables look undeclared), then names (`authorizer.check(...)` is about
 * `authorizer`, not `check`), then functions, then the result type.
 */
export function findCompileProblem(root: Expr, env: CelEnv, declarations: Declarations, expected?: StaticType): string | undefined {
  const macroProblems: string[] = [];
  const nameProblems: string[] = [];
  const callProblems: string[] = [];
  const pending: Array<{ node: Expr; locals: ReadonlySet<string> }> = [{ node: root, locals: new Set() }];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const { node, locals } = item;
    const kind = node.exprKind;
    const nameProblem =
      kind.case === "identExpr" ? identifierProblem(kind.value.name, locals, declarations) : variableProblem(node, locals, declarations);
    if (nameProblem) nameProblems.push(nameProblem);
    if (kind.case === "callExpr" && Object.hasOwn(MACRO_USAGE, kind.value.function)) {
      macroProblems.push(`the macro '${kind.value.function}' is written ${MACRO_USAGE[kind.value.function]}`);
    } else if (kind.case === "callExpr" && FUNCTION_NAME.test(kind.value.function)) {
      const callProblem = functionProblem(kind.value.function, kind.value.target !== undefined, kind.value.args.length, env);
      if (callProblem) callProblems.push(callProblem);
    }
    pending.push(...scopedChildren(node, locals).reverse());
  }
  const actual = staticType(root);
  const typeProblem =
    expected && actual && actual !== expected ? `it must evaluate to ${expected}, but it evaluates to ${actual}` : undefined;
  return macroProblems[0] ?? nameProblems[0] ?? callProblems[0] ?? typeProblem;
}

/** `variables.x` is checked as a whole: x must be a variable defined before. */
function variableProblem(node: Expr, locals: ReadonlySet<string>, declarations: Declarations): string | undefined {
  const kind = node.exprKind;
  if (kind.case !== "selectExpr" || !isIdent(kind.value.operand, "variables") || locals.has("variables")) return undefined;
  return declarations.variables.has(kind.value.field)
    ? undefined
    : `variables.${kind.value.field} is not defined (a variable can only use the variables listed before it)`;
}

/** Children with the comprehension variables in scope where CEL puts them; `variables.x` is checked as a whole. */
function scopedChildren(node: Expr, locals: ReadonlySet<string>): Array<{ node: Expr; locals: ReadonlySet<string> }> {
  const kind = node.exprKind;
  if (kind.case === "selectExpr" && isIdent(kind.value.operand, "variables") && !locals.has("variables")) return [];
  if (kind.case !== "comprehensionExpr") return childrenOf(node).map((child) => ({ node: child, locals }));
  const { iterRange, accuInit, loopCondition, loopStep, result, iterVar, iterVar2, accuVar } = kind.value;
  const inLoop = new Set([...locals, iterVar, accuVar, ...(iterVar2 ? [iterVar2] : [])]);
  const inResult = new Set([...locals, accuVar]);
  return [
    { node: iterRange, locals },
    { node: accuInit, locals },
    { node: loopCondition, locals: inLoop },
    { node: loopStep, locals: inLoop },
    { node: result, locals: inResult },
  ].filter((entry): entry is { node: Expr; locals: ReadonlySet<string> } => entry.node !== undefined);
}

function identifierProblem(name: string, locals: ReadonlySet<string>, declarations: Declarations): string | undefined {
  if (locals.has(name) || ADMISSION_VARIABLES.has(name) || TYPE_NAMES.has(name)) return undefined;
  if (name === "params") return declarations.params ? undefined : "it uses `params`, but the policy has no spec.paramKind";
  if (name === "authorizer") return "it uses `authorizer`, which needs a live cluster's authorization and cannot be evaluated offline";
  if (name === "variables") return "`variables` can only be used as `variables.<name>`";
  return `undeclared reference to '${name}'`;
}

/** Macros the parser expands only when written right; a call left with their name is a misuse. */
const MACRO_USAGE: Readonly<Record<string, string>> = {
  has: "has(x.field)",
  all: "list.all(x, predicate)",
  exists: "list.exists(x, predicate)",
  exists_one: "list.exists_one(x, predicate)",
  map: "list.map(x, transform) or list.map(x, filter, transform)",
  filter: "list.filter(x, predicate)",
};

function functionProblem(name: string, isMethod: boolean, argumentCount: number, env: CelEnv): string | undefined {
  const overloads = [...(env.funcs.find(name) ?? [])];
  if (overloads.length === 0) return `undeclared reference to function '${name}'`;
  const fits = overloads.some((overload) => (overload.target !== undefined) === isMethod && overload.arguments.length === argumentCount);
  const form = isMethod ? `a method call with ${argumentCount} argument(s)` : `a function call with ${argumentCount} argument(s)`;
  return fits ? undefined : `found no matching overload for '${name}' as ${form}`;
}

function isIdent(node: Expr | undefined, name: string): boolean {
  return node?.exprKind.case === "identExpr" && node.exprKind.value.name === name;
}

const CONSTANT_TYPES = new Map<string | undefined, StaticType>([
  ["nullValue", "null_type"],
  ["boolValue", "bool"],
  ["int64Value", "int"],
  ["uint64Value", "uint"],
  ["doubleValue", "double"],
  ["stringValue", "string"],
  ["bytesValue", "bytes"],
]);

/** Functions and operators whose result type does not depend on their arguments. */
const RESULT_TYPES = new Map<string, StaticType>([
  ...["_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_", "_&&_", "_||_", "!_", "@in", "@not_strictly_false"].map((op) => [op, "bool"] as const),
  ...["contains", "startsWith", "endsWith", "matches", "isSorted", "bool"].map((fn) => [fn, "bool"] as const),
  ...["size", "int", "indexOf", "lastIndexOf"].map((fn) => [fn, "int"] as const),
  ...["string", "lowerAscii", "upperAscii", "replace", "substring", "trim", "charAt", "format", "join"].map(
    (fn) => [fn, "string"] as const,
  ),
  ["split", "list"],
  ["double", "double"],
  ["uint", "uint"],
  ["bytes", "bytes"],
  ["type", "type"],
  ["timestamp", "timestamp"],
]);
const ARITHMETIC = new Set(["_+_", "_-_", "_*_", "_/_", "_%_", "-_"]);

/** The type an expression has whatever its inputs are, or undefined when that depends on them (dyn). */
function staticType(expr: Expr): StaticType | undefined {
  const kind = expr.exprKind;
  switch (kind.case) {
    case "constExpr":
      return CONSTANT_TYPES.get(kind.value.constantKind.case);
    case "listExpr":
      return "list";
    case "structExpr":
      return kind.value.messageName === "" ? "map" : undefined;
    case "comprehensionExpr": {
      const { result, accuInit, accuVar } = kind.value;
      const fromAccumulator = result && isIdent(result, accuVar);
      return fromAccumulator ? accuInit && staticType(accuInit) : result && staticType(result);
    }
    case "callExpr": {
      const { function: name, args } = kind.value;
      const fixed = RESULT_TYPES.get(name);
      if (fixed) return fixed;
      if (ARITHMETIC.has(name)) return args.map(staticType).find((type) => type !== undefined);
      if (name === "_?_:_") return sameType(args[1], args[2]);
      return undefined;
    }
    default:
      return undefined;
  }
}

function sameType(a: Expr | undefined, b: Expr | undefined): StaticType | undefined {
  const first = a && staticType(a);
  return first !== undefined && b && staticType(b) === first ? first : undefined;
}
