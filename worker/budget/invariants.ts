/**
 * The ledger's invariants, checked from the outside on a {@link BudgetSnapshot}: tests assert them after every step,
 * and an operator tool can run them against a live budget.
 */
import { NANO_PER_USD } from "./refusals";
import type { Allowance, Amounts, BudgetSnapshot } from "./types";

const KEYS = ["llmCalls", "tokens", "costUsd"] as const;

/**
 * Every way `snapshot` breaks the ledger's guarantees, as sentences; empty when it holds. Without overshoot (actuals
 * within estimates) no scope commits past its limit; sandboxes never exceed `maxSandboxes`; nothing is negative; a
 * closed scope's descendants are closed.
 */
export function snapshotViolations(snapshot: BudgetSnapshot): string[] {
  const problems: string[] = [];
  const byName = new Map(snapshot.scopes.map((s) => [s.scope, s]));
  for (const s of snapshot.scopes) {
    for (const key of KEYS) {
      const used = units(key, s.used);
      const reserved = units(key, s.reserved);
      const held = units(key, s.held);
      const limit = limitUnits(key, s.limit);
      if (used < 0 || reserved < 0 || held < 0) problems.push(`${s.scope}: negative ${key}`);
      if (limit !== null && used + reserved + held > limit) {
        problems.push(`${s.scope}: ${key} used ${used} + reserved ${reserved} + held ${held} > limit ${limit}`);
      }
    }
    const parent = s.parent === null ? undefined : byName.get(s.parent);
    if (parent?.closed && !s.closed) problems.push(`${s.scope}: open under closed ${parent.scope}`);
  }
  const maxSandboxes = snapshot.limits.maxSandboxes;
  if (maxSandboxes !== null && snapshot.totals.sandboxes > maxSandboxes) {
    problems.push(`sandboxes ${snapshot.totals.sandboxes} > ${maxSandboxes}`);
  }
  return problems;
}

/** Integer ledger units (calls, tokens, nano-dollars), so sums compare exactly. */
function units(key: (typeof KEYS)[number], amounts: Amounts): number {
  return key === "costUsd" ? Math.round(amounts.costUsd * NANO_PER_USD) : amounts[key];
}

function limitUnits(key: (typeof KEYS)[number], allowance: Allowance): number | null {
  const value = allowance[key];
  return value === null ? null : key === "costUsd" ? Math.round(value * NANO_PER_USD) : value;
}
