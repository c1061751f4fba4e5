/** Turns the trace tree into the list of rows a windowed view draws: only nodes whose ancestors are all expanded. */
import type { NodeKind, TraceNode } from "./model";

/** Kinds shown expanded until the user collapses them: the structure of a run, not its hundreds of leaf calls. */
const OPEN_BY_DEFAULT: ReadonlySet<NodeKind> = new Set(["agent", "tool", "rlm", "iteration"]);

/** Whether a node's children are shown: the user's choice, else the default for its kind. */
export function isExpanded(node: TraceNode, overrides: ReadonlyMap<string, boolean>): boolean {
  return overrides.get(node.id) ?? OPEN_BY_DEFAULT.has(node.kind);
}

/** The visible nodes under `rootId`, depth first, in the order they happened. Iterative: trees can be deep. */
export function visibleRows(
  nodes: ReadonlyMap<string, TraceNode>,
  rootId: string,
  overrides: ReadonlyMap<string, boolean>,
): TraceNode[] {
  const rows: TraceNode[] = [];
  const stack = [rootId];
  while (stack.length > 0) {
    const node = nodes.get(stack.pop() as string);
    if (!node) continue;
    rows.push(node);
    if (node.children.length > 0 && isExpanded(node, overrides)) {
      for (let i = node.children.length - 1; i >= 0; i -= 1) stack.push(node.children[i] as string);
    }
  }
  return rows;
}
