/**
 * The shared budget of one root run and its recursive tree: limits, leases to child runs, atomic reservations. Reach
 * a run's budget with {@link getBudgetStub}; the ledger itself is pure and also runs outside a Durable Object.
 */
import type { BudgetDO } from "../durable/budget-do";

export { BudgetLedger, type LedgerOptions } from "./ledger";
export { type Sql, sqlLedgerStore } from "./sql-store";
export { type LedgerStore, memoryLedgerStore } from "./store";
export * from "./types";

/** A typed stub of a run tree's budget object: what adapters outside `durable/` hold instead of the class. */
export type BudgetStub = DurableObjectStub<BudgetDO>;

/**
 * The budget Durable Object of the root run `rootRunId`; every run in its tree talks to this one object.
 * @example const budget = getBudgetStub(env, rootRunId); const r = await budget.reserve(ROOT_SCOPE, { tokens: 8_000 });
 */
export function getBudgetStub(env: Pick<Env, "BUDGETS">, rootRunId: string): BudgetStub {
  return env.BUDGETS.get(env.BUDGETS.idFromName(rootRunId));
}
