/**
 * Usage per UTC day for one tenant, summed from where each unit of work records its whole-tree usage, counting every
 * LLM call once: chat turns (`turns.usage`, which include the agent run and its delegated RLMs), tasks
 * (`tasks.usage`, which include the task's run tree) and root runs started on their own through `/v1/rlm/runs`
 * (`runs.usage` of runs with no parent, no turn and no task — child runs are already in their root's usage).
 * Work is dated by when it started.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../client";

/** One day's sums. */
export interface DailyUsage {
  day: string;
  llmCalls: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costUsd: number;
}

interface Row extends Record<string, unknown> {
  day: string;
  llm_calls: number | string | null;
  prompt_tokens: number | string | null;
  completion_tokens: number | string | null;
  cached_tokens: number | string | null;
  cost_usd: number | string | null;
}

const counter = (field: string) => sql.raw(`coalesce(sum((usage->>'${field}')::float8), 0)::float8`);

/** Sums per UTC day since `from` (`YYYY-MM-DD`, inclusive); days without usage are absent. */
export async function dailyUsage(db: Db, tenantId: string, from: string): Promise<DailyUsage[]> {
  const since = sql`(${from}::date)::timestamp at time zone 'UTC'`;
  const result = await db.execute<Row>(sql`
    with work(started_at, usage) as (
      select created_at, usage from turns
        where tenant_id = ${tenantId} and created_at >= ${since} and usage is not null
      union all
      select created_at, usage from tasks
        where tenant_id = ${tenantId} and created_at >= ${since} and usage is not null
      union all
      select r.created_at, r.usage from runs r
        where r.tenant_id = ${tenantId} and r.created_at >= ${since} and r.usage is not null
          and r.parent_run_id is null and r.turn_id is null
          and not exists (select 1 from tasks t where t.tenant_id = ${tenantId} and t.run_id = r.id)
    )
    select to_char((started_at at time zone 'UTC')::date, 'YYYY-MM-DD') as day,
      ${counter("llmCalls")} as llm_calls,
      ${counter("promptTokens")} as prompt_tokens,
      ${counter("completionTokens")} as completion_tokens,
      ${counter("cachedTokens")} as cached_tokens,
      ${counter("costUsd")} as cost_usd
    from work group by 1 order by 1`);
  return result.rows.map((row) => ({
    day: row.day,
    llmCalls: Number(row.llm_calls ?? 0),
    promptTokens: Number(row.prompt_tokens ?? 0),
    completionTokens: Number(row.completion_tokens ?? 0),
    cachedTokens: Number(row.cached_tokens ?? 0),
    costUsd: Number(row.cost_usd ?? 0),
  }));
}

/** One model's share of the LLM calls recorded in traces. */
export interface ModelUsage {
  model: string;
  llmCalls: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costUsd: number;
}

interface ModelRow extends Record<string, unknown> {
  model: string;
  llm_calls: number | string;
  prompt_tokens: number | string | null;
  completion_tokens: number | string | null;
  cached_tokens: number | string | null;
  cost_usd: number | string | null;
}

/**
 * LLM calls per model since `from` (`YYYY-MM-DD`, inclusive), dearest first, from the calls recorded in run traces:
 * the model that answered, else the one asked for. Failed calls (steps with an `error`) cost nothing and are not counted.
 */
export async function usageByModel(db: Db, tenantId: string, from: string): Promise<ModelUsage[]> {
  const since = sql`(${from}::date)::timestamp at time zone 'UTC'`;
  const result = await db.execute<ModelRow>(sql`
    select coalesce(data->>'model', data->>'requestModel', 'unknown') as model,
      count(*) as llm_calls,
      coalesce(sum(prompt_tokens), 0)::float8 as prompt_tokens,
      coalesce(sum(completion_tokens), 0)::float8 as completion_tokens,
      coalesce(sum((data->>'cachedTokens')::float8), 0)::float8 as cached_tokens,
      coalesce(sum(cost_usd), 0)::float8 as cost_usd
    from run_steps
    where tenant_id = ${tenantId} and kind = 'llm_call' and data->'error' is null and created_at >= ${since}
    group by 1 order by cost_usd desc, llm_calls desc, model`);
  return result.rows.map((row) => ({
    model: row.model,
    llmCalls: Number(row.llm_calls),
    promptTokens: Number(row.prompt_tokens ?? 0),
    completionTokens: Number(row.completion_tokens ?? 0),
    cachedTokens: Number(row.cached_tokens ?? 0),
    costUsd: Number(row.cost_usd ?? 0),
  }));
}
