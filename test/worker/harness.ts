/** Shared helpers for Worker tests: a database handle, fresh tenants, and requests through the real app. */
import { env, exports } from "cloudflare:workers";
import { afterEach, beforeEach, expect } from "vitest";
import { bootstrapTenant } from "../../worker/auth/bootstrap";
import type { Scope } from "../../worker/auth/scopes";
import { type Db, type DbHandle, openDb } from "../../worker/db/client";
import { tasks } from "../../worker/db/schema";
import { sign } from "../../worker/webhooks";

/**
 * A database handle per test. workerd ties sockets to the request (here: the test) that opened them, so a pool
 * shared across tests would find its connections dead; each test opens its own and closes it afterwards.
 */
export function useTestDb(): { readonly db: Db } {
  let current: DbHandle | null = null;
  beforeEach(() => {
    current = openDb(env);
  });
  afterEach(async () => {
    await current?.close();
    current = null;
  });
  return {
    get db(): Db {
      if (!current) throw new Error("useTestDb: the handle exists only inside a test");
      return current.db;
    },
  };
}

let counter = 0;
/** A unique slug per call, so tests never share tenants. */
export function uniqueSlug(label: string): string {
  counter += 1;
  return `${label}-${Date.now().toString(36)}-${counter}-${crypto.randomUUID().slice(0, 6)}`;
}

/** A new tenant with an owner and an API key holding `scopes` (admin by default). */
export async function newTenant(handle: { readonly db: Db }, label = "t", scopes: Scope[] = ["admin"]) {
  return bootstrapTenant(handle.db, { tenantSlug: uniqueSlug(label), email: `${label}@example.com`, scopes });
}

/** Asserts a response's status (showing the body when it differs) and parses its JSON body. */
export async function expectJson<T>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}

/** Polls `probe` until it returns a value (anything but null, undefined or false); fails after `timeoutMs`. */
export async function until<T>(
  probe: () => Promise<T | null | undefined | false>,
  what = "the condition",
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until the task `id` has ended and returns it as `GET /v1/tasks/{id}` shows it. */
export function waitForTask<T extends { status: string }>(key: string, id: string, timeoutMs = 30_000): Promise<T> {
  return until(
    async () => {
      const task = await expectJson<T>(await call(`/v1/tasks/${id}`, { key }), 200);
      return ["queued", "running"].includes(task.status) ? null : task;
    },
    `task ${id}`,
    timeoutMs,
  );
}

/** Calls the Worker like a client would. */
export function call(path: string, init: RequestInit & { key?: string; json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.key) headers.set("authorization", `Bearer ${init.key}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  return exports.default.fetch(new Request(`https://fleet.test${path}`, { ...init, headers, body }));
}

/**
 * Uploads `context` as a document and starts an `agent` task that asks `question` about it with the scripted solver;
 * returns the task's id.
 */
export async function startAgentTaskOverDocument(key: string, context: string, question: string): Promise<string> {
  const doc = await expectJson<{ id: string }>(
    await call("/v1/documents?name=haystack.txt", { method: "POST", key, body: context }),
    201,
  );
  const accepted = await expectJson<{ id: string }>(
    await call("/v1/tasks", {
      method: "POST",
      key,
      json: {
        mode: "agent",
        query: `Use the document: ${question}`,
        documents: [doc.id],
        models: { planner: "solver" },
      },
    }),
    202,
  );
  return accepted.id;
}

/** Records a finished task costing `costUsd` this month, so the tenant's monthly spend is at least that. */
export async function spendThisMonth(db: Db, tenantId: string, costUsd: number): Promise<void> {
  await db.insert(tasks).values({
    tenantId,
    mode: "rlm",
    query: "old",
    status: "completed",
    request: { documents: [], budget: {}, models: {}, maxIterations: 1, maxDepth: 1, subCallConcurrency: 1 },
    usage: { llmCalls: 1, promptTokens: 1, completionTokens: 1, cachedTokens: 0, costUsd },
  });
}

/** Posts `payload` to an inbound webhook endpoint, signed as Standard Webhooks senders sign. */
export async function signedHookPost(
  endpointId: string,
  secret: string,
  payload: unknown,
  opts: { id?: string; timestamp?: number } = {},
): Promise<Response> {
  const body = JSON.stringify(payload);
  const id = opts.id ?? `msg_${crypto.randomUUID()}`;
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  return call(`/v1/hooks/${endpointId}`, {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": await sign({ id, timestamp, body, secret }),
    },
  });
}
