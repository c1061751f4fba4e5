/**
 * The live `budget` event of a run tree, from its ledger's snapshot. `used` is what finished calls spent; `reserved`
 * is what is committed but not yet spent (reservations of calls in flight plus the unspent part of slices leased to
 * open children), so the gauge can label both and its `used` matches the trace tree once the turn has ended.
 */
import type { BudgetSnapshot } from "../budget";

/** One `budget` event for the run tree rooted at `runId`. */
export function budgetFrame(runId: string, s: BudgetSnapshot) {
  const root = s.scopes.find((scope) => scope.parent === null);
  const held = root?.held ?? { llmCalls: 0, tokens: 0, costUsd: 0 };
  const reserved = s.totals.reserved;
  return {
    kind: "budget" as const,
    runId,
    data: {
      used: s.totals.used,
      reserved: {
        llmCalls: reserved.llmCalls + held.llmCalls,
        tokens: reserved.tokens + held.tokens,
        costUsd: reserved.costUsd + held.costUsd,
      },
      remaining: s.totals.remaining,
      limits: s.limits,
      elapsedMs: s.now - s.createdAt,
    },
  };
}
