/**
 * OpenAI's wire shapes for a finished or running task: the completion, its stream chunks, usage and errors. Pure, so
 * it tests in Node.
 */

import type { z } from "@hono/zod-openapi";
import type { ChatCompletion, CompletionUsage, OpenAiError } from "../contracts/openai";
import { DOOR_MODELS } from "../contracts/openai";
import type { RunUsage } from "../contracts/rlm";
import type { AppError } from "../errors";

type Usage = z.infer<typeof RunUsage>;

/** A fixed creation time for the door's models (2026-01-01): they are not versioned snapshots. */
const MODELS_CREATED = 1_767_225_600;

/** `GET /v1/models`. */
export function modelList() {
  return {
    object: "list" as const,
    data: DOOR_MODELS.map((id) => ({ id, object: "model" as const, created: MODELS_CREATED, owned_by: "fleet-rlm" })),
  };
}

/** The whole tree's tokens in OpenAI's terms. */
export function toCompletionUsage(usage: Usage | null): CompletionUsage {
  const prompt = usage?.promptTokens ?? 0;
  const completion = usage?.completionTokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: usage?.cachedTokens ?? 0 },
  };
}

export interface FinishedTask {
  id: string;
  runId: string | null;
  answer: string;
  usage: Usage | null;
}

/** Our completion ids carry the task id, so a client can find the task in the runs list. */
export function completionId(taskId: string): string {
  return `chatcmpl-${taskId}`;
}

function extension(task: FinishedTask, origin: string) {
  return {
    task_id: task.id,
    run_id: task.runId,
    trace_url: task.runId ? `${origin}/v1/runs/${task.runId}/trace` : null,
    llm_calls: task.usage?.llmCalls ?? 0,
    cost_usd: task.usage?.costUsd ?? 0,
  };
}

/** The non-streamed answer. */
export function completion(task: FinishedTask, model: string, created: number, origin: string): ChatCompletion {
  return {
    id: completionId(task.id),
    object: "chat.completion",
    created,
    model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: task.answer, refusal: null },
        finish_reason: "stop",
        logprobs: null,
      },
    ],
    usage: toCompletionUsage(task.usage),
    fleet_rlm: extension(task, origin),
  };
}

/** One `chat.completion.chunk`. */
export function chunk(
  taskId: string,
  model: string,
  created: number,
  delta: { role?: "assistant"; content?: string } | null,
  finish: "stop" | null = null,
  extra: Record<string, unknown> = {},
) {
  return {
    id: completionId(taskId),
    object: "chat.completion.chunk" as const,
    created,
    model,
    choices: delta === null ? [] : [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    ...extra,
  };
}

/** The chunks after the role chunk: the answer, the finish, and (when asked for) usage with our extension. */
export function finalChunks(
  task: FinishedTask,
  model: string,
  created: number,
  origin: string,
  includeUsage: boolean,
): unknown[] {
  const chunks: unknown[] = [
    chunk(task.id, model, created, { content: task.answer }),
    chunk(task.id, model, created, {}, "stop", { fleet_rlm: extension(task, origin) }),
  ];
  if (includeUsage) chunks.push(chunk(task.id, model, created, null, null, { usage: toCompletionUsage(task.usage) }));
  return chunks;
}

/** OpenAI's error `type` for a status. */
function errorType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

/** An error in OpenAI's shape; `param` is the first offending field, without our `json.` prefix. */
export function toOpenAiError(error: Pick<AppError, "code" | "message" | "status" | "details">): OpenAiError {
  const issues = (error.details as { issues?: Array<{ field?: unknown }> } | undefined)?.issues;
  const field = typeof issues?.[0]?.field === "string" ? issues[0].field : null;
  return {
    error: {
      message: error.message,
      type: errorType(error.status),
      param: field ? field.replace(/^json\./, "") : null,
      code: error.code,
    },
  };
}

/** True for the paths whose errors answer in OpenAI's shape. */
export function isOpenAiPath(path: string): boolean {
  return path === "/v1/chat/completions" || path === "/v1/models" || path.startsWith("/v1/models/");
}
