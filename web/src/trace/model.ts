/** The trace tree's node shape: one node per run, iteration, tool call, LLM call (or batch of them) and event. */

/** What a node stands for. */
export type NodeKind =
  | "agent"
  | "tool"
  | "rlm"
  | "iteration"
  | "batch"
  | "llm_call"
  | "reasoning"
  | "sandbox"
  | "warning"
  | "error";

/** Running, or how it ended. */
export type NodeStatus = "running" | "ok" | "failed" | "cancelled";

/** Tokens and dollars, summed over a node's subtree. */
export interface Totals {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

/** One node. Mutable: the tree grows in place as frames arrive; `version` tells React something changed. */
export interface TraceNode {
  id: string;
  kind: NodeKind;
  label: string;
  status: NodeStatus;
  parentId: string | null;
  children: string[];
  /** Depth in the drawn tree (0 for a turn's agent run). */
  level: number;
  /** RLM recursion depth from the frames (agent 0, delegated RLM 1, its children 2…). */
  runDepth: number;
  /** Server times (ms since the epoch) of the first and last frame about this node. */
  startTs: number;
  endTs: number | null;
  /** A latency the server measured, preferred over `endTs - startTs`. */
  latencyMs: number | null;
  totals: Totals;
  /** The frame fields the detail panel shows (code, outputs, arguments, answers…). */
  detail: Record<string, unknown>;
  /** The seq of the frame that created the node. */
  seq: number;
}

/** An empty {@link Totals}. */
export function zeroTotals(): Totals {
  return { calls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 };
}

/**
 * The node's latency: measured by the server when known, else the time between its first and last frames (for a
 * running node, until `now`). Never negative: `now` comes from the client's clock, which may lag the server's.
 */
export function nodeLatency(node: TraceNode, now: number): number {
  if (node.latencyMs !== null) return Math.max(0, node.latencyMs);
  return Math.max(0, (node.endTs ?? (node.status === "running" ? now : node.startTs)) - node.startTs);
}
