/**
 * What a run's host object stores to start it (and, after a restart, resume it): small and serialisable. A one-shot
 * run (`POST /v1/rlm/runs`) is a task underneath: an RLM-mode task over a stored context, with no task row.
 */
import type { RunBudget } from "../contracts/rlm";
import type { RunModels } from "./resolve-llm";

/** A task as its object stores it; an inline context is in R2 under `context.key`. */
export interface TaskLaunch {
  taskId: string;
  tenantId: string;
  runId: string;
  mode: "rlm" | "agent";
  query: string;
  context:
    | { kind: "stored"; key: string; format: "text" | "json" }
    | { kind: "documents"; ids: string[] }
    | { kind: "none" };
  budget: RunBudget;
  models: RunModels;
  maxIterations: number;
  maxDepth: number;
  subCallConcurrency: number;
  /** Set for a one-shot run: it has no task row, so no task events or webhooks. */
  oneShot?: true;
}

/** A one-shot RLM run as `POST /v1/rlm/runs` describes it (and as objects created before tasks stored it). */
export interface RunLaunch {
  runId: string;
  tenantId: string;
  query: string;
  contextKey: string;
  contextFormat: "text" | "json";
  budget: RunBudget;
  models: RunModels;
  maxIterations: number;
  maxDepth: number;
  subCallConcurrency: number;
}

/** The task a one-shot run is hosted as: the run id doubles as the task id (there is no task row to clash with). */
export function oneShotTask(run: RunLaunch): TaskLaunch {
  return {
    taskId: run.runId,
    tenantId: run.tenantId,
    runId: run.runId,
    mode: "rlm",
    query: run.query,
    context: { kind: "stored", key: run.contextKey, format: run.contextFormat },
    budget: run.budget,
    models: run.models,
    maxIterations: run.maxIterations,
    maxDepth: run.maxDepth,
    subCallConcurrency: run.subCallConcurrency,
    oneShot: true,
  };
}
