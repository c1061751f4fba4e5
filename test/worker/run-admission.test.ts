/**
 * Plan quotas at every door to model work: tasks, inbound webhooks, one-shot runs and chat turns all take a run slot
 * in the tenant's object, atomically, and pay the month's spend check; slots come back when runs end.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { tasks } from "../../worker/db/schema";
import { getTenantStub } from "../../worker/durable/tenant-stub";
import { ORPHAN_CONTEXT_MS, sweepOrphanContexts } from "../../worker/tasks/orphan-contexts";
import { call, expectJson, newTenant, signedHookPost, spendThisMonth, until, useTestDb, waitForTask } from "./harness";
import { createSession, openSocket, script } from "./session-client";

const handle = useTestDb();

const SLOW = "```repl\nimport time\ntime.sleep(30)\n```";

/** A model that blocks its run for 30 s: enough to hold a slot while a test knocks on the other doors. */
async function slowModel(): Promise<string> {
  const scriptId = `slow-${crypto.randomUUID()}`;
  await script(
    scriptId,
    Array.from({ length: 40 }, () => SLOW),
  );
  return `scripted:${scriptId}`;
}

function startTask(key: string, planner: string, extra: Record<string, unknown> = {}, headers?: HeadersInit) {
  return call("/v1/tasks", {
    method: "POST",
    key,
    headers,
    json: { query: "q", context: "some context", models: { planner }, ...extra },
  });
}

function startRun(key: string, planner: string) {
  return call("/v1/rlm/runs", { method: "POST", key, json: { query: "q", context: "x", models: { planner } } });
}

async function inboundEndpoint(key: string, planner: string) {
  return expectJson<{ endpoint: { id: string }; secret: string }>(
    await call("/v1/webhooks/endpoints", {
      method: "POST",
      key,
      json: {
        direction: "inbound",
        name: "in",
        mapping: { template: { query: "{{/q}}", context: "/text" }, models: { planner } },
      },
    }),
    201,
  );
}

function hook(endpoint: { endpoint: { id: string }; secret: string }) {
  return signedHookPost(endpoint.endpoint.id, endpoint.secret, { q: "question", text: "context" });
}

async function expectQuota(res: Response, limit: string): Promise<void> {
  const body = await expectJson<{ error: { code: string; details: { limit: string } } }>(res, 429);
  expect(body.error).toMatchObject({ code: "quota_exceeded", details: { limit } });
  expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
}

/** Sends a chat message and returns the first error frame it gets back (or the turn's start). */
async function chat(key: string, planner: string) {
  const sessionId = await createSession(key);
  const ws = await openSocket(sessionId, { key });
  ws.send({ type: "resume", after: 0 });
  ws.send({ type: "message", text: "hello", models: { planner } });
  const frame = await ws.waitFor((f) => f.kind === "error" || f.kind === "turn_started");
  return { frame, ws };
}

const running = (tenantId: string) => getTenantStub(env, tenantId).running();

describe("run admission", () => {
  it("refuses one-shot runs, chat turns and webhooks too once the tenant runs its plan's limit", async () => {
    const { apiKey, tenant } = await newTenant(handle, "admit-doors");
    const key = apiKey.secret;
    const planner = await slowModel();
    const endpoint = await inboundEndpoint(key, planner);
    const held = [
      (await expectJson<{ id: string }>(await startTask(key, planner), 202)).id,
      (await expectJson<{ id: string }>(await startRun(key, planner), 202)).id,
    ];
    expect(await running(tenant.id)).toBe(2);

    await expectQuota(await startTask(key, planner), "concurrent_runs");
    await expectQuota(await startRun(key, planner), "concurrent_runs");
    await expectQuota(await hook(endpoint), "concurrent_runs");
    const refused = await chat(key, planner);
    expect(refused.frame).toMatchObject({ seq: null, kind: "error", data: { code: "quota_exceeded" } });
    refused.ws.close();
    expect(await handle.db.select().from(tasks).where(eq(tasks.tenantId, tenant.id))).toHaveLength(1);

    // A slot comes back when its run is cancelled, and the next run is admitted.
    await expectJson(await call(`/v1/tasks/${held[0]}/cancel`, { method: "POST", key }), 200);
    await until(async () => (await running(tenant.id)) === 1, "the cancelled task's slot");
    const turn = await chat(key, "solver");
    expect(turn.frame.kind).toBe("turn_started");
    await turn.ws.waitForTurnEnd();
    turn.ws.close();
    await until(async () => (await running(tenant.id)) === 1, "the chat turn's slot");
    await expectJson(await call(`/v1/rlm/runs/${held[1]}/cancel`, { method: "POST", key }), 200);
    await until(async () => (await running(tenant.id)) === 0, "every slot back");
  });

  it("refuses every door once the month's spend is reached", async () => {
    const { apiKey, tenant } = await newTenant(handle, "admit-spend");
    const key = apiKey.secret;
    const endpoint = await inboundEndpoint(key, "solver");
    await spendThisMonth(handle.db, tenant.id, 11);
    await expectQuota(await startTask(key, "solver"), "monthly_spend");
    await expectQuota(await startRun(key, "solver"), "monthly_spend");
    await expectQuota(await hook(endpoint), "monthly_spend");
    const refused = await chat(key, "solver");
    expect(refused.frame).toMatchObject({ kind: "error", data: { code: "quota_exceeded" } });
    refused.ws.close();
    expect(await running(tenant.id)).toBe(0);
  });

  it("admits exactly the limit when 20 tasks are created at once, ten times over", async () => {
    const planner = await slowModel();
    for (let round = 0; round < 10; round++) {
      const { apiKey, tenant } = await newTenant(handle, `admit-race-${round}`);
      const key = apiKey.secret;
      const responses = await Promise.all(Array.from({ length: 20 }, () => startTask(key, planner)));
      const statuses = responses.map((r) => r.status);
      const admitted = responses.filter((r) => r.status === 202);
      expect(
        statuses.filter((s) => s === 202),
        `round ${round}: ${statuses.join(",")}`,
      ).toHaveLength(2);
      expect(statuses.filter((s) => s === 429)).toHaveLength(18);
      const rows = await handle.db.select().from(tasks).where(eq(tasks.tenantId, tenant.id));
      expect(rows).toHaveLength(2);
      // Refused requests stored nothing: only the admitted tasks' contexts exist.
      const stored = await env.DOCUMENTS.list({ prefix: `contexts/${tenant.id}/` });
      expect(stored.objects.map((o) => o.key).sort()).toEqual(rows.map((r) => r.contextKey).sort());
      for (const res of admitted) {
        const { id } = (await res.json()) as { id: string };
        await call(`/v1/tasks/${id}/cancel`, { method: "POST", key });
      }
      for (const res of responses) await res.body?.cancel().catch(() => {});
      await until(async () => (await running(tenant.id)) === 0, `round ${round}'s slots`);
    }
  });

  it("returns the slot of a task that completes or fails", async () => {
    const { apiKey, tenant } = await newTenant(handle, "admit-end");
    const key = apiKey.secret;
    const done = await expectJson<{ id: string }>(
      await startTask(key, "solver", {
        query: "What is the special magic number for calm-lake mentioned in the provided text?",
        context: "One of the special magic numbers for calm-lake is: 1234567.",
      }),
      202,
    );
    expect((await waitForTask(key, done.id)).status).toBe("completed");
    await until(async () => (await running(tenant.id)) === 0, "the completed task's slot");

    const scriptId = `fail-${crypto.randomUUID()}`;
    await script(scriptId, [{ error: { status: 401, message: "bad key" } }]);
    const failing = await expectJson<{ id: string }>(await startTask(key, `scripted:${scriptId}`), 202);
    expect((await waitForTask(key, failing.id)).status).toBe("failed");
    await until(async () => (await running(tenant.id)) === 0, "the failed task's slot");
  });

  it("keeps an idempotency race to one task, one run slot and one stored context, five times over", async () => {
    const { apiKey, tenant } = await newTenant(handle, "admit-idem");
    const key = apiKey.secret;
    const planner = await slowModel();
    for (let round = 0; round < 5; round++) {
      const headers = { "idempotency-key": `race-${round}-${crypto.randomUUID()}` };
      const responses = await Promise.all(Array.from({ length: 8 }, () => startTask(key, planner, {}, headers)));
      const ids = new Set<string>();
      for (const res of responses) {
        // Every copy is the same request: one is the task's creation, the others replay it; none is over the limit.
        expect([200, 202], `round ${round}`).toContain(res.status);
        ids.add(((await res.json()) as { id: string }).id);
      }
      expect(ids.size).toBe(1);
      const [id] = [...ids];
      expect(await running(tenant.id)).toBe(1);
      const stored = await env.DOCUMENTS.list({ prefix: `contexts/${tenant.id}/` });
      expect(stored.objects.map((o) => o.key)).toEqual([`contexts/${tenant.id}/${id}`]);
      await call(`/v1/tasks/${id}/cancel`, { method: "POST", key });
      await until(async () => (await running(tenant.id)) === 0, `round ${round}'s slot`);
      await env.DOCUMENTS.delete(`contexts/${tenant.id}/${id}`);
    }
  });

  it("sweeps contexts whose task or run was never recorded, and keeps the rest", async () => {
    const { apiKey, tenant } = await newTenant(handle, "admit-sweep");
    const task = await expectJson<{ id: string }>(await startTask(apiKey.secret, "solver"), 202);
    const orphan = `contexts/${tenant.id}/${crypto.randomUUID()}`;
    await env.DOCUMENTS.put(orphan, "left behind by a request that died");
    const later = Date.now() + ORPHAN_CONTEXT_MS + 60_000;
    expect(await sweepOrphanContexts(handle.db, env.DOCUMENTS, Date.now())).toBe(0);
    expect(await sweepOrphanContexts(handle.db, env.DOCUMENTS, later)).toBeGreaterThanOrEqual(1);
    expect(await env.DOCUMENTS.head(orphan)).toBeNull();
    expect(await env.DOCUMENTS.head(`contexts/${tenant.id}/${task.id}`)).not.toBeNull();
  });
});
