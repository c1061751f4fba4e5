/** The tasks API inside workerd: start, idempotency, read, list, SSE with resume, cancel, quotas and rate limits. */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { makeNiah } from "../../dev/llm/fixtures";
import { runs, tasks, tenants } from "../../worker/db/schema";
import {
  call,
  expectJson,
  newTenant,
  spendThisMonth,
  startAgentTaskOverDocument,
  useTestDb,
  waitForTask,
} from "./harness";
import { script } from "./session-client";

const handle = useTestDb();

interface TaskBody {
  id: string;
  status: string;
  answer: string | null;
  error: { code: string } | null;
  usage: { llmCalls: number } | null;
  runId: string;
  mode: string;
}

/** Reads an SSE response to its end: `[id, event, data]` per event. */
async function readSse(res: Response): Promise<Array<{ id: number; event: string; data: Record<string, unknown> }>> {
  const text = await res.text();
  return text
    .split("\n\n")
    .filter((block) => block.startsWith("id:"))
    .map((block) => {
      const fields = Object.fromEntries(
        block.split("\n").map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 2)]),
      );
      return {
        id: Number(fields.id),
        event: String(fields.event),
        data: JSON.parse(String(fields.data)) as Record<string, unknown>,
      };
    });
}

describe("tasks", () => {
  it("runs an rlm task over an inline context and streams its events, resumable by Last-Event-ID", async () => {
    const { apiKey } = await newTenant(handle, "task");
    const key = apiKey.secret;
    const niah = makeNiah({ chars: 200_000, depth: 0.4, seed: 3 });
    const accepted = await expectJson<{ id: string; eventsUrl: string; replayed: boolean }>(
      await call("/v1/tasks", {
        method: "POST",
        key,
        json: { query: niah.question, context: niah.context, models: { planner: "solver" } },
      }),
      202,
    );
    expect(accepted.replayed).toBe(false);
    const task = await waitForTask<TaskBody>(key, accepted.id);
    expect(task, JSON.stringify(task.error)).toMatchObject({ status: "completed", mode: "rlm" });
    expect(task.answer).toContain(niah.value);
    expect(task.usage?.llmCalls).toBeGreaterThan(1);

    const all = await readSse(await call(accepted.eventsUrl, { key }));
    expect(all.map((e) => e.id)).toEqual(all.map((_, i) => i + 1));
    expect(all[0]?.event).toBe("turn_started");
    expect(all.at(-1)).toMatchObject({ event: "turn_completed" });
    expect(all.some((e) => e.event === "rlm_iteration")).toBe(true);
    const resumed = await readSse(await call(accepted.eventsUrl, { key, headers: { "last-event-id": "3" } }));
    expect(resumed.map((e) => e.id)).toEqual(all.slice(3).map((e) => e.id));
    const [row] = await handle.db.select().from(runs).where(eq(runs.id, task.runId));
    expect(row?.status).toBe("completed");
  });

  it("streams events live while the task runs", async () => {
    const { apiKey } = await newTenant(handle, "live");
    const key = apiKey.secret;
    const scriptId = `live-${crypto.randomUUID()}`;
    await script(scriptId, [{ content: "```repl\nprint(len(context))\n```", delayMs: 300 }, "FINAL(done)"]);
    const accepted = await expectJson<{ id: string }>(
      await call("/v1/tasks", {
        method: "POST",
        key,
        json: { query: "q", context: "abc", models: { planner: `scripted:${scriptId}` } },
      }),
      202,
    );
    const events = await readSse(await call(`/v1/tasks/${accepted.id}/events`, { key }));
    expect(events.at(-1), JSON.stringify(events.at(-1))).toMatchObject({
      event: "turn_completed",
      data: { data: { answer: "done" } },
    });
  });

  it("honours Idempotency-Key: same body → same task, other body → 409", async () => {
    const { apiKey, tenant } = await newTenant(handle, "idem");
    const key = apiKey.secret;
    const body = { query: "What?", context: "Nothing here.", models: { planner: "solver" } };
    const headers = { "idempotency-key": "order-42" };
    const first = await expectJson<{ id: string; replayed: boolean }>(
      await call("/v1/tasks", { method: "POST", key, json: body, headers }),
      202,
    );
    const again = await expectJson<{ id: string; replayed: boolean }>(
      await call("/v1/tasks", { method: "POST", key, json: body, headers }),
      202,
    );
    expect(again).toMatchObject({ id: first.id, replayed: true });
    const conflict = await call("/v1/tasks", { method: "POST", key, json: { ...body, query: "Other?" }, headers });
    expect(conflict.status).toBe(409);
    expect(await handle.db.select().from(tasks).where(eq(tasks.tenantId, tenant.id))).toHaveLength(1);
    await waitForTask<TaskBody>(key, first.id);
  });

  it("cancels a running task and lists tasks with filters", async () => {
    const { apiKey } = await newTenant(handle, "cancel-task");
    const key = apiKey.secret;
    const scriptId = `slow-${crypto.randomUUID()}`;
    await script(scriptId, ["```repl\nimport time\nfor i in range(600):\n    time.sleep(0.1)\n```"]);
    const accepted = await expectJson<{ id: string }>(
      await call("/v1/tasks", {
        method: "POST",
        key,
        json: { query: "q", context: "x", models: { planner: `scripted:${scriptId}` } },
      }),
      202,
    );
    await new Promise((resolve) => setTimeout(resolve, 800));
    const cancelled = await expectJson<TaskBody>(
      await call(`/v1/tasks/${accepted.id}/cancel`, { method: "POST", key }),
      200,
    );
    expect(cancelled.status).toBe("cancelled");
    const list = await expectJson<{ tasks: TaskBody[] }>(await call("/v1/tasks?status=cancelled", { key }), 200);
    expect(list.tasks.map((t) => t.id)).toEqual([accepted.id]);
    const none = await expectJson<{ tasks: TaskBody[] }>(await call("/v1/tasks?status=completed", { key }), 200);
    expect(none.tasks).toEqual([]);
  });

  it("runs an agent task that delegates over an uploaded document", async () => {
    const { apiKey } = await newTenant(handle, "agent-task");
    const key = apiKey.secret;
    const niah = makeNiah({ chars: 50_000, depth: 0.7, seed: 11 });
    const taskId = await startAgentTaskOverDocument(key, niah.context, niah.question);
    const task = await waitForTask<TaskBody>(key, taskId);
    expect(task.status, JSON.stringify(task.error)).toBe("completed");
    expect(task.answer).toContain(niah.value);
    const tree = await handle.db.select().from(runs).where(eq(runs.rootRunId, task.runId));
    expect(tree.map((r) => r.kind).sort()).toEqual(["agent", "rlm"]);
  });

  it("runs with the tenant's default LLM profile when the request names no model", async () => {
    const { apiKey } = await newTenant(handle, "byok");
    const key = apiKey.secret;
    const scriptId = `byok-${crypto.randomUUID()}`;
    await script(scriptId, ["FINAL(answered through the profile)"]);
    await expectJson(
      await call("/v1/llm-profiles", {
        method: "POST",
        key,
        json: {
          name: "mine",
          baseUrl: env.OPENAI_BASE_URL,
          apiKey: env.OPENAI_API_KEY,
          plannerModel: `scripted:${scriptId}`,
          delegateModel: "solver",
          isDefault: true,
        },
      }),
      201,
    );
    const accepted = await expectJson<{ id: string }>(
      await call("/v1/tasks", { method: "POST", key, json: { query: "q", context: "x" } }),
      202,
    );
    const task = await waitForTask<TaskBody>(key, accepted.id);
    expect(task, JSON.stringify(task.error)).toMatchObject({
      status: "completed",
      answer: "answered through the profile",
    });
  });

  it("rejects invalid tasks naming the field, and enforces quotas and rate limits with retry-after", async () => {
    const { apiKey, tenant } = await newTenant(handle, "bad-task");
    const key = apiKey.secret;
    const models = { planner: "solver" };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ query: "", context: "x" }, "json.query"],
      [{ query: "q" }, "json.context"],
      [{ query: "q", context: "x", documents: [crypto.randomUUID()] }, "json.documents"],
      [{ query: "q", documents: [crypto.randomUUID()] }, "json.documents.0"],
      [{ query: "q", context: "x", callbackUrl: "ftp://example.com/x" }, "json.callbackUrl"],
      [{ query: "q", context: "x", mode: "chat" }, "json.mode"],
      [{ query: "q", context: "x", models: {} }, "json.models.planner"],
    ];
    for (const [body, field] of cases) {
      const res = await expectJson<{ error: { details: { issues: Array<{ field: string }> } } }>(
        await call("/v1/tasks", { method: "POST", key, json: { models, ...body } }),
        400,
      );
      expect(
        res.error.details.issues.map((i) => i.field),
        JSON.stringify(body),
      ).toContain(field);
    }
    expect(await handle.db.select().from(tasks).where(eq(tasks.tenantId, tenant.id))).toEqual([]);
    expect((await call(`/v1/tasks/${crypto.randomUUID()}`, { key })).status).toBe(404);
    expect((await call(`/v1/tasks/${crypto.randomUUID()}/cancel`, { method: "POST", key })).status).toBe(404);
    expect((await call(`/v1/tasks/${crypto.randomUUID()}/events`, { key })).status).toBe(404);
    for (const [path, field] of [
      [`/v1/tasks/${crypto.randomUUID()}/events?after=-1`, "query.after"],
      ["/v1/tasks?limit=0", "query.limit"],
      ["/v1/tasks?status=sleeping", "query.status"],
      ["/v1/tasks?cursor=garbage", "query.cursor"],
    ] as const) {
      const res = await expectJson<{ error: { details: { issues: Array<{ field: string }> } } }>(
        await call(path, { key }),
        400,
      );
      expect(res.error.details.issues.map((i) => i.field)).toContain(field);
    }

    // Free plan: two tasks at once.
    const scriptId = `quota-${crypto.randomUUID()}`;
    const slow = "```repl\nimport time\ntime.sleep(20)\n```";
    await script(scriptId, [slow, slow]);
    const start = () =>
      call("/v1/tasks", {
        method: "POST",
        key,
        json: { query: "q", context: "x", models: { planner: `scripted:${scriptId}` } },
      });
    const ids = [
      (await expectJson<{ id: string }>(await start(), 202)).id,
      (await expectJson<{ id: string }>(await start(), 202)).id,
    ];
    const third = await start();
    expect(third.status).toBe(429);
    expect(third.headers.get("retry-after")).toBe("30");
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe("quota_exceeded");
    for (const id of ids) await call(`/v1/tasks/${id}/cancel`, { method: "POST", key });

    // Spend this month past the free plan's ceiling.
    await spendThisMonth(handle.db, tenant.id, 11);
    const broke = await start();
    expect(broke.status).toBe(429);
    expect(Number(broke.headers.get("retry-after"))).toBeGreaterThan(0);

    // Requests per minute (free plan: 120).
    await handle.db.update(tenants).set({ plan: "free" }).where(eq(tenants.id, tenant.id));
    // The limiter counts in windows aligned to the clock's minutes: a burst that straddles a boundary proves nothing,
    // so it is repeated once (a burst takes seconds, so the second lies inside one window).
    const minute = () => Math.floor(Date.now() / 60_000);
    const burst = async () => {
      const window = minute();
      const statuses: number[] = [];
      for (let i = 0; i < 125; i++) statuses.push((await call("/v1/tasks?limit=1", { key })).status);
      return minute() === window ? statuses : undefined;
    };
    const statuses = (await burst()) ?? (await burst());
    expect(statuses).toBeDefined();
    expect(statuses?.filter((s) => s === 200).length).toBeLessThanOrEqual(120);
    const limited = await call("/v1/tasks?limit=1", { key });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(env.RATE_LIMIT_FREE).toBeDefined();
  });
});
