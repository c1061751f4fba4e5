/**
 * The user's default budget for new messages, kept in this browser's localStorage: the composer starts from it, and
 * a message without one gets the server's defaults.
 */
import type { RunBudget } from "../api/types";

const STORAGE_KEY = "fleet-rlm.budget-defaults";

/** The limits the composer offers; blank means the server's default. */
export type BudgetDefaults = Pick<RunBudget, "llmCalls" | "costUsd">;

function positive(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** The stored defaults; anything unreadable counts as none. */
export function loadBudgetDefaults(): BudgetDefaults {
  try {
    const raw = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "{}") as Record<string, unknown>;
    const llmCalls = positive(raw.llmCalls);
    const costUsd = positive(raw.costUsd);
    return {
      ...(llmCalls ? { llmCalls: Math.floor(llmCalls) } : {}),
      ...(costUsd ? { costUsd } : {}),
    };
  } catch {
    return {};
  }
}

/** Stores the defaults (an empty object removes them). */
export function saveBudgetDefaults(defaults: BudgetDefaults): void {
  if (defaults.llmCalls === undefined && defaults.costUsd === undefined) localStorage.removeItem(STORAGE_KEY);
  else localStorage.setItem(STORAGE_KEY, JSON.stringify(defaults));
}
