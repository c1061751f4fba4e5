/**
 * Runs one long-context question through the product's public API, as a customer would: upload the context as a
 * document (`POST /v1/documents`), start an `rlm` task over it (`POST /v1/tasks`), poll `GET /v1/tasks/{id}`.
 */

/** Where the Worker is and the key that may use it. */
export interface ProductClient {
  url: string;
  apiKey: string;
}

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

interface TaskView {
  status: "queued" | "running" | "completed" | "failed" | "cancelled";
  answer: string | null;
  usage: TaskUsage | null;
  error: { code: string; message: string } | null;
}

async function call<T>(client: ProductClient, path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${client.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${client.apiKey}`, ...init.headers },
  });
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Uploads `text` as a `.txt` document; returns its id and how long the upload took. */
export async function uploadDocument(
  client: ProductClient,
  name: string,
  text: string | Uint8Array,
): Promise<{ id: string; ms: number }> {
  const started = performance.now();
  const doc = await call<{ id: string }>(client, `/v1/documents?name=${encodeURIComponent(name)}`, {
    method: "POST",
    headers: { "content-type": "text/plain" },
    // SAFETY: a Uint8Array is a valid fetch body; the DOM and Node typings disagree on its buffer type.
    body: text as BodyInit,
  });
  return { id: doc.id, ms: performance.now() - started };
}

/** Starts an `rlm` task over an uploaded document and polls it to its end (or `settings.timeoutMs`). */
export async function runTask(
  client: ProductClient,
  query: string,
  documentId: string,
  settings: TaskSettings,
): Promise<Omit<TaskOutcome, "uploadMs">> {
  const started = performance.now();
  const { id } = await call<{ id: string }>(client, "/v1/tasks", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      mode: "rlm",
      query,
      documents: [documentId],
      models: settings.models ?? {},
      budget: settings.budget ?? {},
    }),
  });
  for (;;) {
    await new Promise((r) => setTimeout(r, settings.pollMs));
    const task = await call<TaskView>(client, `/v1/tasks/${id}`);
    const wallMs = performance.now() - started;
    if (task.status === "completed" || task.status === "failed" || task.status === "cancelled") {
      return { status: task.status, answer: task.answer, usage: task.usage, error: task.error, taskId: id, wallMs };
    }
    if (wallMs > settings.timeoutMs) {
      await call(client, `/v1/tasks/${id}/cancel`, { method: "POST" }).catch(() => {});
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
  client: ProductClient,
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
