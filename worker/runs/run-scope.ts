/**
 * What every run shares, whatever started it (chat turn, task, webhook, one-shot run): its budget object and the
 * engine's port onto it, its recorder, a database handle, and cancel wiring that stops the whole tree's spending.
 */
import { type BudgetStub, getBudgetStub, ROOT_SCOPE } from "../budget";
import type { RunBudget } from "../contracts/rlm";
import { type DbHandle, openDb } from "../db/client";
import type { BudgetPort, RunRecorder } from "../rlm";
import { budgetPort } from "./budget-port";
import { type DbRecorderOptions, dbRecorder } from "./db-recorder";

/** The limits a run falls back to for the budget fields its request leaves out. */
export interface RunDefaults {
  llmCalls: number;
  timeoutSeconds: number;
  maxSandboxes: number;
}

export interface RunScope {
  budgetStub: BudgetStub;
  budget: BudgetPort;
  recorder: RunRecorder;
  handle: DbHandle;
  /** Sets the tree's limits once; a resumed run's later call keeps the limits (and deadline) it started with. */
  initBudget(budget: RunBudget, maxDepth: number, defaults: RunDefaults): Promise<void>;
  /** Writes what is still buffered and closes the handle; never throws. */
  close(): Promise<void>;
}

/** Opens a run's scope. `cancelReason` is what the budget tells the tree's models when `signal` aborts. */
export function openRunScope(
  env: Env,
  options: { runId: string; signal: AbortSignal; cancelReason: string } & Omit<DbRecorderOptions, "env">,
): RunScope {
  const { runId, signal, cancelReason, ...recording } = options;
  const budgetStub = getBudgetStub(env, runId);
  const onAbort = () => void budgetStub.cancel(cancelReason).catch(() => {});
  signal.addEventListener("abort", onAbort, { once: true });
  const recorder = dbRecorder({ env, ...recording });
  const handle = openDb(env);
  return {
    budgetStub,
    budget: budgetPort(budgetStub, ROOT_SCOPE),
    recorder,
    handle,
    async initBudget(budget, maxDepth, defaults) {
      await budgetStub.init({
        llmCalls: budget.llmCalls ?? defaults.llmCalls,
        tokens: budget.tokens,
        costUsd: budget.costUsd,
        deadline: Date.now() + (budget.timeoutSeconds ?? defaults.timeoutSeconds) * 1000,
        maxDepth,
        maxSandboxes: budget.maxSandboxes ?? defaults.maxSandboxes,
      });
    },
    async close() {
      signal.removeEventListener("abort", onAbort);
      await recorder.flush().catch(() => {});
      await handle.close().catch(() => {});
    },
  };
}
