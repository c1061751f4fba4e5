/**
 * Refusals as data, each with a sentence the model can act on: what ran out, by how much, and what to do instead.
 */
import type { Refused } from "./types";

/** A quantity dimension as refusals name it. */
export type QuantityReason = "llm_calls" | "tokens" | "cost";

/** Nano-dollars per dollar: costs are accounted in whole nano-dollars. */
export const NANO_PER_USD = 1e9;

/** Where a quantity ran out, seen from the scope that asked. */
export interface Shortfall {
  reason: QuantityReason;
  /** The scope whose limit would be exceeded. */
  scope: string;
  /** `root`: the run's own limit; `self`: the asking sub-run's lease; `ancestor`: an enclosing sub-run's lease. */
  whose: "root" | "self" | "ancestor";
  /** Whether the asking scope is the root run (it has no parent to return to). */
  askerIsRoot: boolean;
  /** Ledger units (calls, tokens, nano-dollars); the refusal reports dollars for cost. */
  used: number;
  limit: number;
  requested: number;
  /** What was asked for: one LLM call's reservation, or a child's lease. */
  purpose: "call" | "lease";
}

/** A quantity ran out: the message says how much was used of what, and what to do instead. */
export function quantityRefusal(s: Shortfall): Refused {
  const { reason, used, limit, requested } = s;
  const noun = { llm_calls: "LLM-call", tokens: "Token", cost: "Cost" }[reason];
  const whose = { root: "", self: " of this sub-run", ancestor: " of an enclosing sub-run" }[s.whose];
  const state = used >= limit ? "exhausted" : `too small for this ${s.purpose === "call" ? "call" : "sub-run's slice"}`;
  const needs = used >= limit ? "" : `, ${amount(reason, requested)} requested`;
  const aggregate = reason === "llm_calls" ? "use code for aggregation or " : "";
  const advice = s.askerIsRoot ? "answer with what you have" : "return your best answer to the parent";
  const message =
    `${noun} budget${whose} ${state}: ${ratio(reason, used, limit)} used or reserved${needs}; ` +
    `${aggregate}${advice}.`;
  const scale = reason === "cost" ? NANO_PER_USD : 1;
  return { status: "refused", reason, message, scope: s.scope, used: used / scale, limit: limit / scale };
}

/** The root run's deadline has passed. `used` and `limit` are elapsed and allowed milliseconds since the start. */
export function deadlineRefusal(scope: string, elapsedMs: number, allowedMs: number): Refused {
  const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;
  return {
    status: "refused",
    reason: "deadline",
    message: `The run's time budget is exhausted: ${seconds(elapsedMs)} of ${seconds(allowedMs)} used; answer now with what you have.`,
    scope,
    used: elapsedMs,
    limit: allowedMs,
  };
}

/** A lease would create a scope deeper than allowed. */
export function depthRefusal(scope: string, depth: number, maxDepth: number): Refused {
  return {
    status: "refused",
    reason: "depth",
    message: `Maximum recursion depth (${maxDepth}) reached: a sub-run at depth ${depth} is not allowed; solve this part directly with llm_query or code.`,
    scope,
    used: depth,
    limit: maxDepth,
  };
}

/** Every sandbox the tree may hold is in use. */
export function sandboxRefusal(scope: string, active: number, limit: number): Refused {
  return {
    status: "refused",
    reason: "sandboxes",
    message: `Sandbox limit reached: ${active} of ${limit} sandboxes in use; reuse an existing sandbox or wait for one to be released.`,
    scope,
    used: active,
    limit,
  };
}

/** The scope's lease was closed: its run is over. */
export function closedRefusal(scope: string): Refused {
  return {
    status: "refused",
    reason: "closed",
    message: `The budget lease of sub-run "${scope}" is closed; nothing more can be spent in it.`,
    scope,
    used: 0,
    limit: 0,
  };
}

/** The whole tree was cancelled. */
export function cancelledRefusal(scope: string, why: string): Refused {
  return {
    status: "refused",
    reason: "cancelled",
    message: `The run was cancelled (${why}); stop now.`,
    scope,
    used: 0,
    limit: 0,
  };
}

function ratio(reason: QuantityReason, used: number, limit: number): string {
  if (reason === "cost") return `${amount(reason, used)} of ${amount(reason, limit)}`;
  return `${used} of ${amount(reason, limit)}`;
}

function amount(reason: QuantityReason, value: number): string {
  if (reason === "cost") return `$${(value / NANO_PER_USD).toFixed(4)}`;
  return `${value} ${reason === "llm_calls" ? "calls" : "tokens"}`;
}
