/**
 * Runs one long-context question through the product's public API, as a customer would: upload the context as a
 * document (`POST /v1/documents`), start an `rlm` task over it (`POST /v1/tasks`), poll `GET /v1/tasks/{id}`, all
 * through the typed client.
 */
import { type FleetClient, orThrow, uploadDocument as upload } from "../../client/src/index";

/** Token and cost totals of a task's whole tree, as `GET /v1/tasks/{id}` reports them. */
export interface TaskUsage {
  llmCalls: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costUsd: number;
}

/** How a task ended, as the benchmark saw it. `wallMs` runs from the task's creation to the poll that saw it end. */
export interface TaskOutcome {
  status: "completed" | "failed" | "cancelled" | "timeout";
  answer: string | null;
  usage: TaskUsage | null;
  error: { code: string; message: string } | null;
  taskId: string | null;
  uploadMs: number;
  wallMs: number;
}

/** What a task request carries besides the query and the document. */
export interface TaskSettings {
  models?: { planner?: string; delegate?: string };
  budget?: { llmCalls?: number; costUsd?: number; timeoutSeconds?: number };
  /** Give up polling after this long and cancel the task. */
  timeoutMs: number;
  /** Time between status reads; each is one authenticated request to the Worker. */
  pollMs: number;
}

/** Uploads `text` as a `.txt` document; returns its id and how long the upload took. */
export async function uploadDocument(
  client: FleetClient,
  name: string,
  text: string | Uint8Array,
): Promise<{ id: string; ms: number }> {
  const started = performance.now();
  const doc = await upload(client, { name, body: text, contentType: "text/plain" });
  return { id: doc.id, ms: performance.now() - started };
}

/** Starts an `rlm` task over an uploaded document and polls it to its end (or `settings.timeoutMs`). */
export async function runTask(
  client: FleetClient,
  query: string,
  documentId: string,
  settings: TaskSettings,
): Promise<Omit<TaskOutcome, "uploadMs">> {
  const started = performance.now();
  const { id } = orThrow(
    await client.POST("/v1/tasks", {
      body: {
        mode: "rlm",
        query,
        documents: [documentId],
        models: settings.models ?? {},
        budget: settings.budget ?? {},
      },
    }),
  );
  for (;;) {
    await new Promise((r) => setTimeout(r, settings.pollMs));
    const task = orThrow(await client.GET("/v1/tasks/{id}", { params: { path: { id } } }));
    const wallMs = performance.now() - started;
    if (task.status === "completed" || task.status === "failed" || task.status === "cancelled") {
      return { status: task.status, answer: task.answer, usage: task.usage, error: task.error, taskId: id, wallMs };
    }
    if (wallMs > settings.timeoutMs) {
      await client.POST("/v1/tasks/{id}/cancel", { params: { path: { id } } }).catch(() => {});
      return {
        status: "timeout",
        answer: task.answer,
        usage: task.usage,
        error: { code: "timeout", message: `no result after ${Math.round(wallMs / 1000)} s` },
        taskId: id,
        wallMs,
      };
    }
  }
}

/** Uploads `context` and runs `query` over it; a failed upload or start is an outcome, not an exception. */
export async function runThroughProduct(
  client: FleetClient,
  name: string,
  context: string,
  query: string,
  settings: TaskSettings,
): Promise<TaskOutcome> {
  let uploadMs = 0;
  try {
    const doc = await uploadDocument(client, name, context);
    uploadMs = doc.ms;
    return { ...(await runTask(client, query, doc.id, settings)), uploadMs };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      status: "failed",
      answer: null,
      usage: null,
      error: { code: "bench_request_failed", message },
      taskId: null,
      uploadMs,
      wallMs: 0,
    };
  }
}
