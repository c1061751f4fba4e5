/**
 * The `ask` tool: starts a task through `POST /v1/tasks`, reports its frames as MCP progress notifications while it
 * runs, and ends with the answer, its usage and a link to its trace. The task's Idempotency-Key is derived from the
 * MCP session and request id, so a `notifications/cancelled` arriving on another HTTP request (the transport is
 * stateless) finds the task to cancel by computing its id again.
 */
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { CallToolResult, ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import type { CreateTaskRequest, Task } from "../contracts/tasks";
import { progressMessage, sseFrames } from "../tasks/follow";
import type { Api } from "./api";
import { readFailure } from "./api";
import { toolFailure, toolResult } from "./results";

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** The Idempotency-Key of the task an MCP request starts: one per credential, session and JSON-RPC request id. */
export function askKey(caller: string, sessionId: string, requestId: string | number): string {
  return `mcp:${caller}:${sessionId}:${String(requestId)}`;
}

/** Runs the ask tool for `input`; `idempotencyKey` is set when the request can be cancelled by id. */
export async function ask(
  api: Api,
  origin: string,
  input: CreateTaskRequest,
  extra: Extra,
  idempotencyKey: string | undefined,
): Promise<CallToolResult> {
  const started = await api.json<{ id: string }>("POST", "/v1/tasks", {
    json: input,
    headers: idempotencyKey ? { "idempotency-key": idempotencyKey } : {},
  });
  if (!started.ok) return toolFailure(started.failure);
  const taskId = started.body.id;
  const cancel = () => void api.raw("POST", `/v1/tasks/${taskId}/cancel`).catch(() => {});
  extra.signal.addEventListener("abort", cancel, { once: true });
  const token = extra._meta?.progressToken;
  const events = await api.raw("GET", `/v1/tasks/${taskId}/events`);
  if (!events.ok || !events.body) return toolFailure(await readFailure(events));
  let progress = 0;
  for await (const frame of sseFrames(events.body)) {
    const message = progressMessage(frame);
    if (token === undefined || message === null) continue;
    progress += 1;
    // A client that went away cannot be told; the run goes on unless it cancels.
    await extra
      .sendNotification({ method: "notifications/progress", params: { progressToken: token, progress, message } })
      .catch(() => {});
  }
  const ended = await api.json<Task>("GET", `/v1/tasks/${taskId}`);
  if (!ended.ok) return toolFailure(ended.failure);
  const task = ended.body;
  const traceUrl = task.runId ? `${origin}/v1/runs/${task.runId}/trace` : null;
  const data = { taskId, status: task.status, answer: task.answer, usage: task.usage, error: task.error, traceUrl };
  if (task.status !== "completed") {
    const reason = task.error ? `${task.error.code}: ${task.error.message}` : `the task was ${task.status}`;
    return { ...toolResult(`The task did not complete (${reason}).`, data), isError: true };
  }
  const usage = task.usage
    ? `${task.usage.llmCalls} LLM calls, ${task.usage.promptTokens + task.usage.completionTokens} tokens, $${task.usage.costUsd.toFixed(4)}`
    : "no usage recorded";
  return {
    content: [
      { type: "text", text: task.answer ?? "" },
      { type: "text", text: `Task ${taskId}: ${usage}.${traceUrl ? ` Trace: ${traceUrl}` : ""}` },
    ],
    structuredContent: data,
  };
}
