/**
 * Per-tenant limits by plan: requests per minute (the Workers rate-limiting bindings, one per plan), tasks running at
 * once, and spend per calendar month (UTC). Over a limit, callers get 429 with `retry-after`.
 */
import { and, eq, gte, inArray, sql } from "drizzle-orm";
import type { Principal } from "../auth/principal";
import type { Db } from "../db/client";
import { tasks, turns } from "../db/schema";
import { AppError } from "../errors";

type Plan = Principal["plan"];

/** Tasks a tenant may have queued or running at once, and its monthly spend ceiling (null: none). */
export const PLAN_QUOTAS: Record<Plan, { concurrentTasks: number; monthlyUsd: number | null }> = {
  free: { concurrentTasks: 2, monthlyUsd: 10 },
  team: { concurrentTasks: 25, monthlyUsd: 2_000 },
  enterprise: { concurrentTasks: 200, monthlyUsd: null },
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

function startOfMonth(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

/** Spend this month: ended and running tasks plus chat turns. */
export async function monthlySpendUsd(db: Db, tenantId: string, now = new Date()): Promise<number> {
  const since = startOfMonth(now);
  const cost = (column: typeof tasks.usage | typeof turns.usage) =>
    sql<number>`COALESCE(SUM((${column}->>'costUsd')::float8), 0)`;
  const [fromTasks] = await db
    .select({ usd: cost(tasks.usage) })
    .from(tasks)
    .where(and(eq(tasks.tenantId, tenantId), gte(tasks.createdAt, since)));
  const [fromTurns] = await db
    .select({ usd: cost(turns.usage) })
    .from(turns)
    .where(and(eq(turns.tenantId, tenantId), gte(turns.startedAt, since)));
  return Number(fromTasks?.usd ?? 0) + Number(fromTurns?.usd ?? 0);
}

/** Refuses a new task when the tenant has too many running or has spent its month. */
export async function checkTaskQuota(
  db: Db,
  principal: Pick<Principal, "tenantId" | "plan">,
  now = new Date(),
): Promise<void> {
  const quota = PLAN_QUOTAS[principal.plan];
  const [running] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(tasks)
    .where(and(eq(tasks.tenantId, principal.tenantId), inArray(tasks.status, ["queued", "running"])));
  if ((running?.n ?? 0) >= quota.concurrentTasks) {
    throw new AppError("quota_exceeded", `Your plan runs ${quota.concurrentTasks} tasks at once; wait for one to end`, {
      retryAfter: 30,
      details: { limit: quota.concurrentTasks, running: running?.n ?? 0 },
    });
  }
  if (quota.monthlyUsd !== null) {
    const spent = await monthlySpendUsd(db, principal.tenantId, now);
    if (spent >= quota.monthlyUsd) {
      const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
      throw new AppError("quota_exceeded", `This month's spend limit of $${quota.monthlyUsd} is reached`, {
        retryAfter: Math.ceil((next.getTime() - now.getTime()) / 1000),
        details: { limitUsd: quota.monthlyUsd, spentUsd: spent },
      });
    }
  }
}
