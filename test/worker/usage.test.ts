/**
 * `GET /v1/usage` inside workerd: per-UTC-day sums over chat turns, tasks and stand-alone root runs, each LLM call
 * counted once (child runs, a turn's agent run and a task's run are already in their parent's usage), tenant-scoped.
 */
import { describe, expect, it } from "vitest";
import { repos } from "../../worker/db/repos";
import type { Usage } from "../../worker/db/schema";
import { call, newTenant, useTestDb } from "./harness";

const handle = useTestDb();
const DAY_MS = 86_400_000;

interface Report {
  from: string;
  to: string;
  days: Array<Usage & { day: string }>;
  totals: Usage;
  byModel: Array<Usage & { model: string }>;
}

function usage(n: number): Usage {
  return { llmCalls: n, promptTokens: n * 100, completionTokens: n * 10, cachedTokens: n, costUsd: n / 100 };
}

/** Noon UTC `daysAgo` days before today, so the UTC day is unambiguous. */
function at(daysAgo: number): Date {
  return new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS - daysAgo * DAY_MS + DAY_MS / 2);
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

async function seed(tenantId: string) {
  const db = handle.db;
  const session = await repos.sessions.insert(db, tenantId, {});
  // A chat turn (3 calls) whose agent run and delegated RLM run repeat those calls: only the turn counts.
  const turn = await repos.turns.insert(db, tenantId, {
    sessionId: session.id,
    index: 0,
    userMessage: "hi",
    status: "completed",
    usage: usage(3),
    startedAt: at(0),
  });
  const agent = await repos.runs.insert(db, tenantId, {
    kind: "agent",
    query: "hi",
    sessionId: session.id,
    turnId: turn.id,
    usage: usage(3),
    createdAt: at(0),
  });
  await repos.runs.insert(db, tenantId, {
    kind: "rlm",
    query: "sub",
    parentRunId: agent.id,
    rootRunId: agent.id,
    depth: 0,
    usage: usage(2),
    createdAt: at(0),
  });
  // A task (5 calls) with its root run: only the task counts.
  const taskRun = await repos.runs.insert(db, tenantId, { kind: "rlm", query: "t", usage: usage(5), createdAt: at(0) });
  await repos.tasks.insert(db, tenantId, {
    mode: "rlm",
    query: "t",
    status: "completed",
    request: { documents: [], budget: {}, models: {}, maxIterations: 1, maxDepth: 1, subCallConcurrency: 1 },
    runId: taskRun.id,
    usage: usage(5),
    createdAt: at(0),
  });
  // A stand-alone RLM run two days ago (7 calls) with a child (4 calls, already in the root's 7).
  const root = await repos.runs.insert(db, tenantId, { kind: "rlm", query: "r", usage: usage(7), createdAt: at(2) });
  await repos.runs.insert(db, tenantId, {
    kind: "rlm",
    query: "child",
    parentRunId: root.id,
    rootRunId: root.id,
    depth: 1,
    usage: usage(4),
    createdAt: at(2),
  });
  // Outside a 7-day window.
  await repos.runs.insert(db, tenantId, { kind: "rlm", query: "old", usage: usage(11), createdAt: at(10) });
  // Still running: no usage yet.
  await repos.runs.insert(db, tenantId, { kind: "rlm", query: "live", createdAt: at(0) });
  // Recorded LLM calls, for the breakdown by model.
  const step = (runId: string, index: number, model: Record<string, string>, cost: number, daysAgo = 0) =>
    repos.runSteps.insert(db, tenantId, {
      runId,
      index,
      kind: "llm_call",
      data: { ...model, cachedTokens: 5 },
      promptTokens: 100,
      completionTokens: 10,
      costUsd: cost,
      createdAt: at(daysAgo),
    });
  await step(agent.id, 0, { model: "model-a", requestModel: "alias-a" }, 0.01);
  await step(agent.id, 1, { model: "model-a" }, 0.01);
  await step(taskRun.id, 0, { model: "model-b" }, 0.05);
  await step(taskRun.id, 1, { requestModel: "model-c" }, 0.001);
  await step(root.id, 0, { model: "model-b" }, 0.05, 10);
  await repos.runSteps.insert(db, tenantId, {
    runId: root.id,
    index: 1,
    kind: "iteration",
    data: { model: "model-a" },
  });
}

describe("usage", () => {
  it("sums each unit of work once per UTC day, with every day of the window present", async () => {
    const { apiKey, tenant } = await newTenant(handle, "usage");
    await seed(tenant.id);
    const res = await call("/v1/usage?days=7", { key: apiKey.secret });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const report = JSON.parse(text) as Report;
    expect(report.days).toHaveLength(7);
    expect(report.from).toBe(isoDay(at(6)));
    expect(report.to).toBe(isoDay(at(0)));
    expect(report.days.map((d) => d.day)).toEqual([6, 5, 4, 3, 2, 1, 0].map((n) => isoDay(at(n))));
    const today = report.days.at(-1);
    expect(today).toMatchObject({ llmCalls: 8, promptTokens: 800, completionTokens: 80, cachedTokens: 8 });
    expect(today?.costUsd).toBeCloseTo(0.08, 10);
    expect(report.days.at(-3)).toMatchObject({ llmCalls: 7, promptTokens: 700, completionTokens: 70 });
    expect(report.days.at(0)).toMatchObject({ llmCalls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 });
    expect(report.totals).toMatchObject({ llmCalls: 15, promptTokens: 1500, completionTokens: 150 });
    // Dearest first; a call without the answering model counts under the one asked for; older calls fall outside.
    expect(report.byModel.map((m) => [m.model, m.llmCalls, m.promptTokens, m.cachedTokens])).toEqual([
      ["model-b", 1, 100, 5],
      ["model-a", 2, 200, 10],
      ["model-c", 1, 100, 5],
    ]);
    expect(report.byModel[1]?.costUsd).toBeCloseTo(0.02, 10);

    const wide = (await (await call("/v1/usage?days=30", { key: apiKey.secret })).json()) as Report;
    expect(wide.days).toHaveLength(30);
    expect(wide.totals.llmCalls).toBe(26);
    const fallback = (await (await call("/v1/usage", { key: apiKey.secret })).json()) as Report;
    expect(fallback.days).toHaveLength(30);
  });

  it("never counts another tenant's usage", async () => {
    const busy = await newTenant(handle, "usebusy");
    await seed(busy.tenant.id);
    const idle = await newTenant(handle, "useidle");
    const report = (await (await call("/v1/usage?days=30", { key: idle.apiKey.secret })).json()) as Report;
    expect(report.days).toHaveLength(30);
    expect(report.totals).toEqual({ llmCalls: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0 });
    expect(report.byModel).toEqual([]);
  });

  it("rejects a bad window naming the field, and keys without a read scope", async () => {
    const { apiKey } = await newTenant(handle, "usebad");
    for (const days of ["0", "367", "abc", "1.5"]) {
      const res = await call(`/v1/usage?days=${days}`, { key: apiKey.secret });
      const body = (await res.json()) as { error: { code: string; details: { issues: Array<{ field: string }> } } };
      expect(res.status, days).toBe(400);
      expect(body.error.details.issues.map((i) => i.field)).toEqual(["query.days"]);
    }
    const reader = await newTenant(handle, "useread", ["sessions:read"]);
    expect((await call("/v1/usage", { key: reader.apiKey.secret })).status).toBe(200);
    const docs = await newTenant(handle, "usedocs", ["documents:read"]);
    expect((await call("/v1/usage", { key: docs.apiKey.secret })).status).toBe(403);
    expect((await call("/v1/usage")).status).toBe(401);
  });
});
