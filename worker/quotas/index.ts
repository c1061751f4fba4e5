/**
 * Per-tenant limits by plan: requests per minute (the Workers rate-limiting bindings, one per plan), runs at once
 * (tasks, one-shot runs and chat turns together) and spend per calendar month (UTC). Over a limit, callers get 429
 * with `retry-after`.
 */
import type { Principal } from "../auth/principal";
import type { Db } from "../db/client";
import { dailyUsage } from "../db/queries/usage";
import { getTenantStub } from "../durable/tenant-stub";
import { AppError } from "../errors";
import type { RunKind } from "./admission";

type Plan = Principal["plan"];

/** Runs a tenant may have at once (tasks, one-shot runs, chat turns), and its monthly spend ceiling (null: none). */
export const PLAN_QUOTAS: Record<Plan, { concurrentRuns: number; monthlyUsd: number | null }> = {
  free: { concurrentRuns: 2, monthlyUsd: 10 },
  team: { concurrentRuns: 25, monthlyUsd: 2_000 },
  enterprise: { concurrentRuns: 200, monthlyUsd: null },
};

/** The window of the rate-limit bindings (wrangler.toml): a refused client should retry after it. */
const RATE_WINDOW_SECONDS = 60;

function limiter(env: Env, plan: Plan): RateLimit | undefined {
  switch (plan) {
    case "free":
      return env.RATE_LIMIT_FREE;
    case "team":
      return env.RATE_LIMIT_TEAM;
    case "enterprise":
      return env.RATE_LIMIT_ENTERPRISE;
  }
}

/** Counts one request against the tenant's per-minute limit; throws `rate_limited` (429) past it. */
export async function countRequest(env: Env, principal: Pick<Principal, "tenantId" | "plan">): Promise<void> {
  const binding = limiter(env, principal.plan);
  if (!binding) return;
  const { success } = await binding.limit({ key: principal.tenantId });
  if (!success) {
    throw new AppError("rate_limited", "Too many requests for this workspace; slow down", {
      retryAfter: RATE_WINDOW_SECONDS,
      details: { plan: principal.plan },
    });
  }
}

/**
 * Spend this month (UTC), summed from the same records as `GET /v1/usage`: chat turns, tasks and one-shot runs, each
 * LLM call once.
 */
export async function monthlySpendUsd(db: Db, tenantId: string, now = new Date()): Promise<number> {
  const month = now.toISOString().slice(0, 7);
  const days = await dailyUsage(db, tenantId, `${month}-01`);
  return days.reduce((sum, day) => sum + day.costUsd, 0);
}

/** Seconds a slot outlives its run's own deadline: time for the run to record its ending and release it. */
const LEASE_MARGIN_SECONDS = 300;

/** A run asking to start: its id, what started it, and its deadline (which bounds how long its slot is held). */
export interface RunAdmission {
  holder: string;
  kind: RunKind;
  timeoutSeconds: number;
}

/**
 * The one quota check of every way to start model work (tasks, webhooks, one-shot runs, chat turns): refuses when the
 * tenant has spent its month, then takes a run slot in the tenant's object, atomically, or refuses when its plan's
 * number of runs at once is reached. The caller releases the slot with {@link releaseRun} when the run ends, or
 * when it does not start after all.
 */
export async function admitRun(
  deps: { env: Pick<Env, "TENANTS">; db: Db },
  principal: Pick<Principal, "tenantId" | "plan">,
  run: RunAdmission,
  now = new Date(),
): Promise<void> {
  const quota = PLAN_QUOTAS[principal.plan];
  if (quota.monthlyUsd !== null) {
    const spent = await monthlySpendUsd(deps.db, principal.tenantId, now);
    if (spent >= quota.monthlyUsd) {
      const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
      throw new AppError("quota_exceeded", `This month's spend limit of $${quota.monthlyUsd} is reached`, {
        retryAfter: Math.ceil((next.getTime() - now.getTime()) / 1000),
        details: { limit: "monthly_spend", limitUsd: quota.monthlyUsd, spentUsd: spent },
      });
    }
  }
  const admission = await getTenantStub(deps.env, principal.tenantId).admit({
    holder: run.holder,
    kind: run.kind,
    limit: quota.concurrentRuns,
    leaseMs: (run.timeoutSeconds + LEASE_MARGIN_SECONDS) * 1000,
  });
  if (admission.status === "refused") {
    throw new AppError(
      "quota_exceeded",
      `Your plan runs ${admission.limit} tasks, runs or chat turns at once; wait for one to end`,
      {
        retryAfter: 30,
        details: { limit: "concurrent_runs", max: admission.limit, running: admission.running, ...admission.kinds },
      },
    );
  }
}

/**
 * Gives a run's slot back. Never throws: a slot that could not be released expires with its lease, and the run's
 * ending must not fail on it.
 */
export async function releaseRun(env: Pick<Env, "TENANTS">, tenantId: string, holder: string): Promise<void> {
  try {
    await getTenantStub(env, tenantId).release(holder);
  } catch (err) {
    console.error(JSON.stringify({ level: "error", job: "release-run-slot", tenantId, holder, err: String(err) }));
  }
}
