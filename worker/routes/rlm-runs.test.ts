/** `/v1/rlm/runs`: a run end to end through the API and its task object, cancellation, the watchdog, bad input. */
import {
  createExecutionContext,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { makeNiah } from "../../dev/llm/fixtures";
import { call, newTenant, useTestDb } from "../../test/worker/harness";
import { scriptReplies } from "../../test/worker/scripted-llm";
import { createApp } from "../app";
import { repos } from "../db/repos";
import { getTaskStub } from "../durable/task-stub";

const handle = useTestDb();

interface RunBody {
  id: string;
  status: string;
  answer: string | null;
  iterations: number;
  subCalls: number;
  usage: { llmCalls: number } | null;
  error: { code: string; message: string } | null;
  children: unknown[];
}

async function waitForEnd(id: string, key: string, timeoutMs = 60_000): Promise<RunBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call(`/v1/rlm/runs/${id}`, { key });
    const body = (await res.json()) as RunBody;
    if (!["queued", "running"].includes(body.status) || Date.now() > deadline) return body;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("RLM runs over HTTP", () => {
  it("runs a needle task to an answer with its iterations and sub-calls", async () => {
    const { apiKey } = await newTenant(handle);
    const task = makeNiah({ chars: 400_000, seed: 5 });
    const res = await call("/v1/rlm/runs", {
      method: "POST",
      key: apiKey.secret,
      json: { query: task.question, context: task.context, models: { planner: "solver" } },
    });
    expect(res.status).toBe(202);
    const { id, url } = (await res.json()) as { id: string; url: string };
    expect(url).toBe(`/v1/rlm/runs/${id}`);
    const run = await waitForEnd(id, apiKey.secret);
    expect(run.status).toBe("completed");
    expect(run.answer).toContain(task.value);
    expect(run.iterations).toBeGreaterThanOrEqual(2);
    expect(run.subCalls).toBeGreaterThan(0);
    expect(run.usage?.llmCalls).toBe(run.subCalls + run.iterations);
  }, 90_000);

  it("accepts a JSON context and loads it as a list", async () => {
    const { apiKey } = await newTenant(handle);
    const id = `json-${crypto.randomUUID()}`;
    await scriptReplies(id, ["```repl\nprint(type(context).__name__, len(context))\n```", "FINAL(list of 3)"]);
    const res = await call("/v1/rlm/runs", {
      method: "POST",
      key: apiKey.secret,
      json: { query: "What is it?", context: ["a", "b", { c: 1 }], models: { planner: `scripted:${id}` } },
    });
    const run = await waitForEnd(((await res.json()) as { id: string }).id, apiKey.secret);
    expect(run).toMatchObject({ status: "completed", answer: "list of 3" });
    const log = await (await fetch(`${env.LLM_ADMIN_URL}/__admin/requests?model=scripted:${id}`)).json();
    expect(JSON.stringify(log)).toContain("list 3");
  }, 60_000);

  it("cancels a running run", async () => {
    const { apiKey } = await newTenant(handle);
    const id = `slow-${crypto.randomUUID()}`;
    await scriptReplies(id, ["```repl\nimport time\nfor _ in range(1200):\n    time.sleep(0.05)\n```"]);
    const res = await call("/v1/rlm/runs", {
      method: "POST",
      key: apiKey.secret,
      json: { query: "wait", context: "x", models: { planner: `scripted:${id}` } },
    });
    const { id: runId } = (await res.json()) as { id: string };
    await new Promise((r) => setTimeout(r, 1_500));
    const cancelled = await call(`/v1/rlm/runs/${runId}/cancel`, { method: "POST", key: apiKey.secret });
    expect(cancelled.status).toBe(200);
    expect(((await cancelled.json()) as { status: string }).status).toBe("cancelled");
  }, 60_000);

  it("fails a run orphaned by a restart that cannot resume, with the reason, instead of leaving it running", async () => {
    const { apiKey, tenant } = await newTenant(handle);
    // A task object that stored a running run but, after a restart, has no engine in memory.
    const runId = crypto.randomUUID();
    await repos.runs.insert(handle.db, tenant.id, {
      id: runId,
      rootRunId: runId,
      kind: "rlm",
      status: "running",
      query: "q",
    });
    const launch = {
      runId,
      tenantId: tenant.id,
      query: "q",
      contextKey: "none",
      contextFormat: "text",
      budget: {},
      models: { planner: "solver" },
      maxIterations: 3,
      maxDepth: 1,
      subCallConcurrency: 4,
    };
    const stub = getTaskStub(env, runId);
    await runInDurableObject(stub, async (_instance, state) => {
      state.storage.sql.exec("INSERT INTO task (id, launch, status) VALUES (1, ?, 'running')", JSON.stringify(launch));
      await state.storage.setAlarm(Date.now() + 60_000);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    // The watchdog resumes it, and the resumed run finds its context gone from storage.
    const run = await waitForEnd(runId, apiKey.secret);
    expect(run.status).toBe("failed");
    expect(run.error).toEqual({ code: "not_found", message: "The task's context is missing from storage" });
  });

  it("rejects bad input naming the fields, and stores nothing", async () => {
    const { apiKey, tenant } = await newTenant(handle);
    const res = await call("/v1/rlm/runs", {
      method: "POST",
      key: apiKey.secret,
      json: { query: "", context: 5, maxDepth: 9 },
    });
    expect(res.status).toBe(400);
    const fields = (
      (await res.json()) as { error: { details: { issues: Array<{ field: string }> } } }
    ).error.details.issues
      .map((i) => i.field)
      .sort();
    expect(fields).toEqual(["json.context", "json.maxDepth", "json.query"]);
    expect(await repos.runs.list(handle.db, tenant.id)).toEqual([]);
  });

  it("asks for a model when none is configured", async () => {
    const { apiKey, tenant } = await newTenant(handle);
    const res = await call("/v1/rlm/runs", { method: "POST", key: apiKey.secret, json: { query: "q", context: "c" } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("json.models.planner");
    expect(await repos.runs.list(handle.db, tenant.id)).toEqual([]);
  });

  it("offers the scripted demo model only in development", async () => {
    const { apiKey, tenant } = await newTenant(handle);
    const demoOnly = { OPENAI_BASE_URL: undefined, OPENAI_API_KEY: undefined, DEMO_LLM_BASE_URL: env.OPENAI_BASE_URL };
    const post = async (overrides: Partial<Env>) => {
      const ctx = createExecutionContext();
      const res = await createApp().fetch(
        new Request("https://fleet.test/v1/rlm/runs", {
          method: "POST",
          headers: { authorization: `Bearer ${apiKey.secret}`, "content-type": "application/json" },
          body: JSON.stringify({ query: "q", context: "c" }),
        }),
        { ...env, ...demoOnly, ...overrides },
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return res;
    };
    const refused = await post({ ENVIRONMENT: "production" });
    expect(refused.status).toBe(503);
    expect(await refused.text()).toContain("No LLM endpoint");
    expect(await repos.runs.list(handle.db, tenant.id)).toEqual([]);
    const accepted = await post({ ENVIRONMENT: "development" });
    expect(accepted.status).toBe(202);
    await call(`/v1/rlm/runs/${((await accepted.json()) as { id: string }).id}/cancel`, {
      method: "POST",
      key: apiKey.secret,
    });
  }, 60_000);

  it("hides runs of other tenants and needs the right scope", async () => {
    const a = await newTenant(handle, "a");
    const b = await newTenant(handle, "b", ["sessions:read"]);
    const id = `iso-${crypto.randomUUID()}`;
    await scriptReplies(id, ["FINAL(ok)"]);
    const res = await call("/v1/rlm/runs", {
      method: "POST",
      key: a.apiKey.secret,
      json: { query: "q", context: "c", models: { planner: `scripted:${id}` } },
    });
    const { id: runId } = (await res.json()) as { id: string };
    const c = await newTenant(handle, "c");
    expect((await call(`/v1/rlm/runs/${runId}`, { key: c.apiKey.secret })).status).toBe(404);
    expect((await call(`/v1/rlm/runs/${runId}/cancel`, { method: "POST", key: c.apiKey.secret })).status).toBe(404);
    expect((await call(`/v1/rlm/runs/${runId}`, { key: b.apiKey.secret })).status).toBe(403);
    await waitForEnd(runId, a.apiKey.secret);
  }, 60_000);
});
