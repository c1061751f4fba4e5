/**
 * The OpenAI-compatible door: `POST /v1/chat/completions` answers with a task (an RLM run, or the chat agent) started
 * through the one task path, so it is admitted, budgeted and listed like any other; `GET /v1/models` names the models.
 * Errors on these paths answer in OpenAI's shape (see `handleError`).
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { requireAuth, requireScope } from "../auth/middleware";
import { ChatCompletion, ChatCompletionRequest, ModelList, OpenAiError } from "../contracts/openai";
import { CreateTaskRequest } from "../contracts/tasks";
import { type Db, openDb } from "../db/client";
import { repos } from "../db/repos";
import { getTaskStub } from "../durable/task-stub";
import { AppError, ERROR_STATUS, type ErrorCode, isAppError } from "../errors";
import { toTaskInput } from "../openai/conversation";
import { chunk, completion, type FinishedTask, finalChunks, modelList, toOpenAiError } from "../openai/wire";
import { createTask } from "../tasks/create";
import { followTask, progressMessage } from "../tasks/follow";
import { sseComment } from "../tasks/sse";
import type { AppEnv } from "./app-env";
import { validationError } from "./errors";
import { jsonBody, jsonResponse } from "./openapi";

const security = [{ bearer: [] }];

function openAiErrors(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: "An error in OpenAI's shape", content: { "application/json": { schema: OpenAiError } } },
    ]),
  );
}

/** The ended task as the door answers it, or the error its ending is. */
async function ending(db: Db, tenantId: string, taskId: string): Promise<FinishedTask> {
  const row = await repos.tasks.get(db, tenantId, taskId);
  if (row?.status === "completed") {
    return { id: row.id, runId: row.runId, answer: row.answer ?? "", usage: row.usage ?? null };
  }
  if (row?.status === "cancelled") {
    throw new AppError("conflict", "The run was cancelled", { details: { taskId } });
  }
  const code = row?.error?.code;
  const known = code && code in ERROR_STATUS && ERROR_STATUS[code as ErrorCode] >= 400 ? (code as ErrorCode) : null;
  throw new AppError(known ?? "upstream_error", row?.error?.message ?? "The run failed", { details: { taskId } });
}

const encoder = new TextEncoder();
const sseData = (value: unknown) => encoder.encode(`data: ${JSON.stringify(value)}\n\n`);

export const openAiRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/models",
      operationId: "listModels",
      tags: ["openai"],
      summary: "The models of the OpenAI-compatible endpoint",
      security,
      middleware: [requireAuth()],
      responses: { 200: jsonResponse(ModelList, "The models"), ...openAiErrors(401) },
    }),
    (c) => c.json(modelList(), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/chat/completions",
      operationId: "createChatCompletion",
      tags: ["openai"],
      summary: "An OpenAI-compatible chat completion answered by an RLM run or the chat agent",
      description:
        "`fleet-rlm` runs an RLM over the conversation (the last user message is the query; the rest, and a long last message's text before its last paragraph, is the context; or `fleet_rlm.documents`); `fleet-rlm-agent` asks the chat agent. `:<model>` after either names the planner model. With `stream: true` the answer arrives as `chat.completion.chunk` events, progress as SSE comments. Each call is a task (`fleet_rlm.task_id`).",
      security,
      middleware: [requireAuth(), requireScope("tasks:write")],
      request: { body: jsonBody(ChatCompletionRequest) },
      responses: {
        200: {
          description: "The completion, or with `stream: true` its chunks as `text/event-stream`",
          content: { "application/json": { schema: ChatCompletion }, "text/event-stream": { schema: z.string() } },
        },
        ...openAiErrors(400, 401, 403, 404, 409, 413, 429, 502),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const parsed = CreateTaskRequest.safeParse(toTaskInput(body));
      if (!parsed.success) throw validationError(parsed.error, "json");
      const principal = c.var.principal;
      const { task } = await createTask(
        { env: c.env, db: c.var.db, principal },
        parsed.data,
        { source: "api" },
        "json.fleet_rlm",
      );
      const created = Math.floor(Date.now() / 1000);
      const origin = new URL(c.req.url).origin;
      const cancel = () =>
        void getTaskStub(c.env, task.id)
          .cancel()
          .catch(() => {});
      if (!body.stream) {
        // A client that hangs up stops paying for the answer it will never read.
        c.req.raw.signal?.addEventListener("abort", cancel, { once: true });
        await followTask(c.env, task.id, () => {});
        return c.json(
          completion(await ending(c.var.db, principal.tenantId, task.id), body.model, created, origin),
          200,
        );
      }
      const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
      const writer = writable.getWriter();
      const gone = new AbortController();
      // A client that hangs up errors the stream: the task is cancelled and following stops.
      const hangUp = () => {
        if (!gone.signal.aborted) cancel();
        gone.abort();
      };
      writer.closed.catch(hangUp);
      const write = (bytes: Uint8Array) => writer.write(bytes).catch(hangUp);
      const stream = async () => {
        await write(sseData(chunk(task.id, body.model, created, { role: "assistant", content: "" })));
        await followTask(
          c.env,
          task.id,
          async (frame) => {
            const message = progressMessage(frame);
            if (message) await write(sseComment(`progress ${message}`));
          },
          gone.signal,
        );
        if (gone.signal.aborted) return;
        // The request's own database handle closes when the response starts; the ending is read on a fresh one.
        const handle = openDb(c.env);
        try {
          const done = await ending(handle.db, principal.tenantId, task.id);
          for (const part of finalChunks(
            done,
            body.model,
            created,
            origin,
            body.stream_options?.include_usage === true,
          )) {
            await write(sseData(part));
          }
        } catch (err) {
          await write(sseData(toOpenAiError(isAppError(err) ? err : new AppError("internal", "Internal error"))));
        } finally {
          c.executionCtx.waitUntil(handle.close());
        }
        await write(encoder.encode("data: [DONE]\n\n"));
        await writer.close().catch(() => {});
      };
      c.executionCtx.waitUntil(stream());
      return new Response(readable, {
        headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" },
      });
    },
  );
