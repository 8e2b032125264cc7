import type { parse } from "@bufbuild/cel";

/** A node of a parsed CEL expression (the cel.expr.Expr protobuf message). */
export type Expr = ReturnType<typeof parse>["expr"];
export type Comprehension = Extract<Expr["exprKind"], { case: "comprehensionExpr" }>["value"];

/** The direct sub-expressions of a node, in source order. */
export function childrenOf(expr: Expr): Expr[] {
  const kind = expr.exprKind;
  switch (kind.case) {
    case "selectExpr":
      return present([kind.value.operand]);
    case "callExpr":
      return present([kind.value.target, ...kind.value.args]);
    case "listExpr":
      return [...kind.value.elements];
    case "structExpr":
      return present(
        kind.value.entries.flatMap((entry) => [entry.keyKind.case === "mapKey" ? entry.keyKind.value : undefined, entry.value]),
      );
    case "comprehensionExpr":
      return present([kind.value.iterRange, kind.value.accuInit, kind.value.loopCondition, kind.value.loopStep, kind.value.result]);
    default:
      return [];
  }
}

function present(nodes: ReadonlyArray<Expr | undefined>): Expr[] {
  return nodes.filter((node): node is Expr => node !== undefined);
}

/** Every node of the tree, parents before children (iterative: hostile nesting must not overflow the stack). */
export function* walk(root: Expr): Generator<Expr> {
  const pending = [root];
  for (let node = pending.pop(); node; node = pending.pop()) {
    yield node;
    pending.push(...childrenOf(node).reverse());
  }
}
