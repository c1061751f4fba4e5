/**
 * Webhooks end to end inside workerd: a signed inbound webhook starts a task, whose result is delivered, signed, to a
 * real local receiver; bad signatures, stale timestamps and replays start nothing; retries, rotation, redelivery.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { MAX_CONTEXT_DEPTH } from "../../worker/contracts/context";
import { tasks, tenants, webhookDeliveries } from "../../worker/db/schema";
import { verify } from "../../worker/webhooks";
import { call, expectJson, newTenant, signedHookPost, until, useTestDb, waitForTask } from "./harness";
import { script } from "./session-client";

const handle = useTestDb();
const receiver = env.RECEIVER_URL as string;

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
}

async function received(path: string): Promise<Received[]> {
  const res = await fetch(`${receiver}/__admin/received?path=${encodeURIComponent(path)}`);
  return ((await res.json()) as { requests: Received[] }).requests;
}

async function setup(label: string) {
  const { apiKey, tenant } = await newTenant(handle, label);
  // The team plan runs enough tasks at once for a test that starts several.
  await handle.db.update(tenants).set({ plan: "team" }).where(eq(tenants.id, tenant.id));
  const key = apiKey.secret;
  const inbound = await expectJson<{ endpoint: { id: string; hookUrl: string }; secret: string }>(
    await call("/v1/webhooks/endpoints", {
      method: "POST",
      key,
      json: {
        direction: "inbound",
        name: "issues",
        mapping: {
          template: { query: "Answer: {{/question}}", context: "/text" },
          budget: { llmCalls: 50 },
          models: { planner: "solver" },
        },
      },
    }),
    201,
  );
  const path = `/hooks/${crypto.randomUUID()}`;
  const outbound = await expectJson<{ endpoint: { id: string }; secret: string }>(
    await call("/v1/webhooks/endpoints", {
      method: "POST",
      key,
      json: {
        direction: "outbound",
        name: "results",
        url: `${receiver}${path}`,
        events: ["task.completed", "task.failed"],
      },
    }),
    201,
  );
  return { key, tenantId: tenant.id, inbound, outbound, path };
}

async function tasksOf(tenantId: string) {
  return handle.db.select().from(tasks).where(eq(tasks.tenantId, tenantId));
}

describe("webhooks", () => {
  it("a signed webhook starts a task whose result is delivered, signed, to the receiver", async () => {
    const s = await setup("hook-e2e");
    expect(s.inbound.endpoint.hookUrl).toBe(`/v1/hooks/${s.inbound.endpoint.id}`);
    const res = await signedHookPost(s.inbound.endpoint.id, s.inbound.secret, {
      question: "What is the special magic number for brave-otter mentioned in the provided text?",
      text: "Filler. One of the special magic numbers for brave-otter is: 4417021. More filler.",
    });
    const accepted = await expectJson<{ taskId: string; duplicate: boolean }>(res, 202);
    expect(accepted.duplicate).toBe(false);
    const deliveries = await until(async () => {
      const got = await received(s.path);
      return got.length > 0 ? got : null;
    });
    expect(deliveries).toHaveLength(1);
    const [delivery] = deliveries;
    const verdict = await verify({
      headers: new Headers(delivery?.headers),
      body: delivery?.body ?? "",
      secrets: [s.outbound.secret],
      now: Date.now(),
    });
    expect(verdict.ok).toBe(true);
    const payload = JSON.parse(delivery?.body ?? "{}") as {
      type: string;
      data: { task: { id: string; answer: string; source: string } };
    };
    expect(payload.type).toBe("task.completed");
    expect(payload.data.task).toMatchObject({ id: accepted.taskId, source: "webhook" });
    expect(payload.data.task.answer).toContain("4417021");
    const log = await expectJson<{
      deliveries: Array<{ status: string; attempts: number; lastStatusCode: number; taskId: string }>;
    }>(await call(`/v1/webhooks/endpoints/${s.outbound.endpoint.id}/deliveries`, { key: s.key }), 200);
    expect(log.deliveries).toEqual([
      expect.objectContaining({ status: "delivered", attempts: 1, lastStatusCode: 200, taskId: accepted.taskId }),
    ]);
  });

  it("delivers a task's start, progress and end to an endpoint subscribed to them, and only its end to the callback", async () => {
    const { apiKey } = await newTenant(handle, "hook-progress");
    const key = apiKey.secret;
    const path = `/hooks/${crypto.randomUUID()}`;
    const callbackPath = `/hooks/${crypto.randomUUID()}`;
    const endpoint = await expectJson<{ endpoint: { id: string }; secret: string }>(
      await call("/v1/webhooks/endpoints", {
        method: "POST",
        key,
        json: {
          direction: "outbound",
          name: "progress",
          url: `${receiver}${path}`,
          events: ["task.started", "task.progress", "task.completed"],
        },
      }),
      201,
    );
    const scriptId = `progress-${crypto.randomUUID()}`;
    await script(scriptId, ["```repl\nx = len(context)\n```", "```repl\nprint(x)\n```", "FINAL(three)"]);
    const accepted = await expectJson<{ id: string }>(
      await call("/v1/tasks", {
        method: "POST",
        key,
        json: {
          query: "q",
          context: "abc",
          models: { planner: `scripted:${scriptId}` },
          callbackUrl: `${receiver}${callbackPath}`,
        },
      }),
      202,
    );
    await waitForTask(key, accepted.id);
    const deliveries = await until(async () => {
      const got = await received(path);
      return got.length >= 3 ? got : null;
    });
    const payloads = deliveries.map(
      (d) =>
        JSON.parse(d.body) as {
          type: string;
          data: { task: { id: string; status: string }; progress?: { steps: number; lastEventSeq: number } };
        },
    );
    // One report after the first step; the second step comes within the 30 s interval.
    expect(payloads.map((p) => p.type)).toEqual(["task.started", "task.progress", "task.completed"]);
    expect(payloads.map((p) => p.data.task.status)).toEqual(["running", "running", "completed"]);
    expect(payloads.every((p) => p.data.task.id === accepted.id)).toBe(true);
    expect(payloads[1]?.data.progress).toMatchObject({ steps: 1, lastEventSeq: expect.any(Number) });
    for (const d of deliveries) {
      const verdict = await verify({
        headers: new Headers(d.headers),
        body: d.body,
        secrets: [endpoint.secret],
        now: Date.now(),
      });
      expect(verdict.ok).toBe(true);
    }
    const callback = await until(async () => {
      const got = await received(callbackPath);
      return got.length > 0 ? got : null;
    });
    expect(callback.map((d) => (JSON.parse(d.body) as { type: string }).type)).toEqual(["task.completed"]);
  });

  it("rejects a bad signature, a stale timestamp and a replayed message id, starting nothing", async () => {
    const s = await setup("hook-refuse");
    const payload = { question: "q?", text: "t" };
    const forged = await signedHookPost(s.inbound.endpoint.id, "whsec_bm90IHRoZSByZWFsIHNlY3JldCBhdCBhbGwh", payload);
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { error: { details: { reason: string } } }).error.details.reason).toBe(
      "bad_signature",
    );
    const stale = await signedHookPost(s.inbound.endpoint.id, s.inbound.secret, payload, {
      timestamp: Math.floor(Date.now() / 1000) - 600,
    });
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { error: { details: { reason: string } } }).error.details.reason).toBe("stale");
    const unsigned = await call(`/v1/hooks/${s.inbound.endpoint.id}`, { method: "POST", json: payload });
    expect(unsigned.status).toBe(401);
    expect(await tasksOf(s.tenantId)).toEqual([]);

    const first = await expectJson<{ taskId: string }>(
      await signedHookPost(s.inbound.endpoint.id, s.inbound.secret, payload, { id: "msg_once" }),
      202,
    );
    const replay = await expectJson<{ taskId: string; duplicate: boolean }>(
      await signedHookPost(s.inbound.endpoint.id, s.inbound.secret, payload, { id: "msg_once" }),
      200,
    );
    expect(replay).toEqual({ taskId: first.taskId, duplicate: true });
    expect(await tasksOf(s.tenantId)).toHaveLength(1);

    const unmapped = await signedHookPost(s.inbound.endpoint.id, s.inbound.secret, { question: "no text field" });
    expect(unmapped.status).toBe(400);
    expect(JSON.stringify(await unmapped.json())).toContain("body/text");
    expect(await tasksOf(s.tenantId)).toHaveLength(1);
    expect((await signedHookPost(crypto.randomUUID(), s.inbound.secret, payload)).status).toBe(404);
  });

  it("refuses a payload whose mapped query or context holds a NUL with 400, recording it and starting nothing", async () => {
    const s = await setup("hook-nul");
    const cases = [
      { payload: { question: "q\u0000?", text: "t" }, field: "task.query" },
      { payload: { question: "q?", text: { lines: ["ok", "bad\u0000"] } }, field: "task.context.lines.1" },
    ];
    for (const { payload, field } of cases) {
      const res = await signedHookPost(s.inbound.endpoint.id, s.inbound.secret, payload);
      const body = await expectJson<{ error: { code: string; details: { issues: Array<{ field: string }> } } }>(
        res,
        400,
      );
      expect(body.error.code).toBe("validation_failed");
      expect(body.error.details.issues.map((i) => i.field)).toEqual([field]);
    }
    expect(await tasksOf(s.tenantId)).toHaveLength(0);
    const rejected = await handle.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.endpointId, s.inbound.endpoint.id));
    expect(rejected.map((d) => d.status)).toEqual(["rejected", "rejected"]);
    // A NUL in a field the mapping does not use never reaches the database.
    await expectJson(
      await signedHookPost(s.inbound.endpoint.id, s.inbound.secret, { question: "q?", text: "t", extra: "\u0000" }),
      202,
    );
  });

  it("refuses a payload whose mapped context nests too deep with 400 naming task.context", async () => {
    const s = await setup("hook-deep");
    let text: unknown = "leaf";
    for (let level = 0; level <= MAX_CONTEXT_DEPTH; level += 1) text = [text];
    const res = await signedHookPost(s.inbound.endpoint.id, s.inbound.secret, { question: "q?", text });
    const body = await expectJson<{ error: { details: { issues: Array<{ field: string }> } } }>(res, 400);
    expect(body.error.details.issues.map((i) => i.field)).toEqual(["task.context"]);
    expect(await tasksOf(s.tenantId)).toHaveLength(0);
  });

  it("retries a failing receiver with backoff and delivers exactly once", async () => {
    const s = await setup("hook-retry");
    await fetch(`${receiver}/__admin/plan`, {
      method: "POST",
      body: JSON.stringify({ path: s.path, statuses: [503, 500, 502], retryAfter: 1 }),
    });
    await expectJson(
      await signedHookPost(s.inbound.endpoint.id, s.inbound.secret, { question: "q?", text: "nothing" }),
      202,
    );
    const log = await until(
      async () => {
        const res = await expectJson<{ deliveries: Array<{ status: string; attempts: number }> }>(
          await call(`/v1/webhooks/endpoints/${s.outbound.endpoint.id}/deliveries`, { key: s.key }),
          200,
        );
        return res.deliveries[0]?.status === "delivered" ? res.deliveries : null;
      },
      "the delivery",
      45_000,
    );
    expect(log).toEqual([expect.objectContaining({ status: "delivered", attempts: 4 })]);
    const got = await received(s.path);
    expect(got.map((r) => r.status)).toEqual([503, 500, 502, 200]);
    expect(new Set(got.map((r) => r.headers["webhook-id"])).size).toBe(1);

    // A manual redelivery sends the same message again.
    const [row] = await handle.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.endpointId, s.outbound.endpoint.id));
    await expectJson(await call(`/v1/webhooks/deliveries/${row?.id}/redeliver`, { method: "POST", key: s.key }), 202);
    const again = await until(async () => {
      const all = await received(s.path);
      return all.length === 5 ? all : null;
    });
    expect(again[4]?.headers["webhook-id"]).toBe(got[0]?.headers["webhook-id"]);
  });

  it("rotates a secret with an overlap window, and signs task callbacks with a revealable secret", async () => {
    const s = await setup("hook-rotate");
    const rotated = await expectJson<{ secret: string; endpoint: { previousSecretExpiresAt: string } }>(
      await call(`/v1/webhooks/endpoints/${s.inbound.endpoint.id}/rotate`, {
        method: "POST",
        key: s.key,
        json: { overlapSeconds: 3600 },
      }),
      200,
    );
    expect(rotated.secret).not.toBe(s.inbound.secret);
    expect(rotated.endpoint.previousSecretExpiresAt).not.toBeNull();
    const payload = { question: "q?", text: "t" };
    expect((await signedHookPost(s.inbound.endpoint.id, s.inbound.secret, payload)).status).toBe(202);
    expect((await signedHookPost(s.inbound.endpoint.id, rotated.secret, payload)).status).toBe(202);
    await expectJson(
      await call(`/v1/webhooks/endpoints/${s.inbound.endpoint.id}/rotate`, {
        method: "POST",
        key: s.key,
        json: { overlapSeconds: 0 },
      }),
      200,
    );
    expect((await signedHookPost(s.inbound.endpoint.id, rotated.secret, payload)).status).toBe(401);

    const callbackPath = `/callbacks/${crypto.randomUUID()}`;
    await expectJson(
      await call("/v1/tasks", {
        method: "POST",
        key: s.key,
        json: { query: "q", context: "x", models: { planner: "solver" }, callbackUrl: `${receiver}${callbackPath}` },
      }),
      202,
    );
    const [callback] = await until(async () => {
      const got = await received(callbackPath);
      return got.length > 0 ? got : null;
    });
    const endpoints = await expectJson<{ endpoints: Array<{ id: string; name: string }> }>(
      await call("/v1/webhooks/endpoints", { key: s.key }),
      200,
    );
    const callbacks = endpoints.endpoints.find((e) => e.name === "task-callbacks");
    const { secret } = await expectJson<{ secret: string }>(
      await call(`/v1/webhooks/endpoints/${callbacks?.id}/secret`, { key: s.key }),
      200,
    );
    const verdict = await verify({
      headers: new Headers(callback?.headers),
      body: callback?.body ?? "",
      secrets: [secret],
      now: Date.now(),
    });
    expect(verdict.ok).toBe(true);
  });

  it("validates endpoint definitions and keeps them to their tenant", async () => {
    const s = await setup("hook-validate");
    const bad = [
      [{ direction: "inbound", name: "x", mapping: { template: { query: "{{/a" } } }, "json.mapping.template.query"],
      [
        { direction: "inbound", name: "x", mapping: { template: { query: "q", context: "no-slash" } } },
        "json.mapping.template.context",
      ],
      [{ direction: "outbound", name: "x", url: "https://example.com/h", events: [] }, "json.events"],
      [{ direction: "outbound", name: "x", url: "not a url", events: ["*"] }, "json.url"],
      [{ direction: "sideways", name: "x" }, "json.direction"],
    ] as const;
    for (const [body, field] of bad) {
      const res = await expectJson<{ error: { details: { issues: Array<{ field: string }> } } }>(
        await call("/v1/webhooks/endpoints", { method: "POST", key: s.key, json: body }),
        400,
      );
      expect(
        res.error.details.issues.map((i) => i.field),
        JSON.stringify(body),
      ).toContain(field);
    }
    const other = await newTenant(handle, "hook-other");
    for (const path of [
      `/v1/webhooks/endpoints/${s.inbound.endpoint.id}`,
      `/v1/webhooks/endpoints/${s.inbound.endpoint.id}/secret`,
      `/v1/webhooks/endpoints/${s.inbound.endpoint.id}/deliveries`,
    ]) {
      expect((await call(path, { key: other.apiKey.secret })).status, path).toBe(404);
    }
    for (const [path, init, field] of [
      [
        `/v1/webhooks/endpoints/${s.inbound.endpoint.id}/rotate`,
        { method: "POST", json: { overlapSeconds: -1 } },
        "json.overlapSeconds",
      ],
      [`/v1/webhooks/endpoints/${s.inbound.endpoint.id}/deliveries?limit=0`, {}, "query.limit"],
    ] as const) {
      const res = await call(path, { ...init, key: s.key });
      expect(res.status, path).toBe(400);
      expect(JSON.stringify(await res.json())).toContain(field);
    }
    expect(
      (await call(`/v1/webhooks/deliveries/${crypto.randomUUID()}/redeliver`, { method: "POST", key: s.key })).status,
    ).toBe(404);
    const member = await newTenant(handle, "hook-member", ["tasks:write"]);
    expect((await call("/v1/webhooks/endpoints", { key: member.apiKey.secret })).status).toBe(403);
    expect(
      (await call(`/v1/webhooks/endpoints/${s.outbound.endpoint.id}`, { method: "DELETE", key: s.key })).status,
    ).toBe(204);
    expect((await call(`/v1/webhooks/endpoints/${s.outbound.endpoint.id}`, { key: s.key })).status).toBe(404);
  });
});
