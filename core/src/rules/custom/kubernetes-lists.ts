import { type CelFunc, CelScalar, type CelValue, celMethod, listType } from "@bufbuild/cel";

/**
 * The Kubernetes CEL list library (k8s.io/apiserver/pkg/cel/library/lists.go):
 * `isSorted()`, `sum()`, `min()`, `max()`, `indexOf(x)`, `lastIndexOf(x)` on lists of
 * numbers, strings or booleans. Written from the Kubernetes documentation of the library.
 */

type Comparable = bigint | number | string | boolean;

const LIST = listType(CelScalar.DYN);

function comparables(list: Iterable<CelValue>, method: string): Comparable[] {
  const items = [...list];
  for (const item of items) {
    if (!isComparable(item)) throw new Error(`${method}() needs a list of numbers, strings or booleans`);
  }
  return items as Comparable[];
}

function isComparable(value: CelValue): value is Comparable {
  return typeof value === "bigint" || typeof value === "number" || typeof value === "string" || typeof value === "boolean";
}

/** CEL ordering: numbers compare across int and double; other types only with themselves. */
function compare(a: Comparable, b: Comparable): number {
  const numeric = (typeof a === "bigint" || typeof a === "number") && (typeof b === "bigint" || typeof b === "number");
  if (!numeric && typeof a !== typeof b) throw new Error(`cannot compare ${celTypeName(a)} with ${celTypeName(b)}`);
  if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
  const [x, y] = numeric ? [Number(a), Number(b)] : [a, b];
  return x < y ? -1 : x > y ? 1 : 0;
}

function celTypeName(value: Comparable): string {
  if (typeof value === "bigint") return "int";
  if (typeof value === "number") return "double";
  return typeof value === "boolean" ? "bool" : "string";
}

function extreme(name: "min" | "max", sign: 1 | -1): CelFunc {
  return celMethod(name, LIST, [], CelScalar.DYN, function () {
    const items = comparables(this, name);
    const first = items[0];
    if (first === undefined) throw new Error(`${name}() called on an empty list`);
    return items.reduce((best, item) => (sign * compare(item, best) < 0 ? item : best), first);
  });
}

function position(name: "indexOf" | "lastIndexOf", pick: (matches: number[]) => number | undefined): CelFunc {
  return celMethod(name, LIST, [CelScalar.DYN], CelScalar.INT, function (wanted) {
    if (!isComparable(wanted)) throw new Error(`${name}() looks for a number, string or boolean`);
    const matches = [...this].flatMap((item, index) =>
      isComparable(item) && sameKind(item, wanted) && compare(item, wanted) === 0 ? [index] : [],
    );
    return BigInt(pick(matches) ?? -1);
  });
}

function sameKind(a: Comparable, b: Comparable): boolean {
  const kind = (value: Comparable) => (typeof value === "bigint" ? "number" : typeof value);
  return kind(a) === kind(b);
}

export const KUBERNETES_LIST_FUNCTIONS: readonly CelFunc[] = [
  celMethod("isSorted", LIST, [], CelScalar.BOOL, function () {
    const items = comparables(this, "isSorted");
    return items.every((item, index) => index === 0 || compare(items[index - 1] as Comparable, item) <= 0);
  }),
  celMethod("sum", LIST, [], CelScalar.DYN, function () {
    const items = comparables(this, "sum");
    if (items.every((item) => typeof item === "bigint")) return items.reduce((total, item) => total + item, 0n);
    if (items.every((item) => typeof item === "number")) return items.reduce((total, item) => total + item, 0);
    throw new Error("sum() needs a list of only ints or only doubles");
  }),
  extreme("min", 1),
  extreme("max", -1),
  position("indexOf", (matches) => matches[0]),
  position("lastIndexOf", (matches) => matches.at(-1)),
];
