/**
 * The RLM engine end to end inside workerd: real BudgetDO, the LLM gateway against the scripted OpenAI-compatible
 * server, real sandboxes from the dev sandbox server, trajectories in Postgres.
 */
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { makeNiah } from "../../dev/llm/fixtures";
import { newTenant, until, useTestDb } from "../../test/worker/harness";
import { llmRequests, scriptReplies } from "../../test/worker/scripted-llm";
import { type BudgetLimits, getBudgetStub, ROOT_SCOPE } from "../budget";
import { runSteps, runs } from "../db/schema";
import { createLlmGateway } from "../llm";
import { budgetPort, dbRecorder } from "../runs";
import { daytonaProvider, daytonaSettings, replSandboxes } from "../sandbox";
import { type RlmContext, type RlmSettings, runRlm } from "./engine";

const handle = useTestDb();
const provider = daytonaProvider(daytonaSettings(env));

interface Setup {
  planner?: string;
  delegate?: string;
  baseUrl?: string;
  limits?: BudgetLimits;
  settings?: Partial<RlmSettings>;
  signal?: AbortSignal;
}

async function runOnce(query: string, context: RlmContext, setup: Setup = {}) {
  const { tenant } = await newTenant(handle, "rlm");
  const runId = crypto.randomUUID();
  const stub = getBudgetStub(env, runId);
  await stub.init({ maxDepth: setup.settings?.maxDepth ?? 1, ...setup.limits });
  const recorder = dbRecorder({ env, tenantId: tenant.id });
  const outcome = await runRlm(
    { runId, rootRunId: runId, parentRunId: null, depth: 0, query, context },
    {
      llm: createLlmGateway({
        baseUrl: setup.baseUrl ?? (env.OPENAI_BASE_URL as string),
        apiKey: env.OPENAI_API_KEY,
        models: { planner: setup.planner ?? "solver", delegate: setup.delegate ?? "solver" },
        maxRetries: 2,
        backoff: { baseMs: 50, maxMs: 200 },
      }),
      budget: budgetPort(stub, ROOT_SCOPE),
      sandboxes: replSandboxes(provider, { labels: { tenant: tenant.id } }),
      recorder,
      signal: setup.signal,
      settings: setup.settings,
    },
  );
  await recorder.flush();
  return { outcome, runId, tenantId: tenant.id, stub };
}

type LoggedRequest = { status: number; body: { messages: Array<{ content: string }> } };
const requestsOf = (model: string) => llmRequests<LoggedRequest>(model);

async function runRows(rootRunId: string) {
  return handle.db.select().from(runs).where(eq(runs.rootRunId, rootRunId));
}

describe("RLM engine", () => {
  it("finds a needle in a 5 MB context at depth 1, and records the trajectory", async () => {
    const task = makeNiah({ chars: 5 * 1024 * 1024, depth: 0.62, seed: 7 });
    const { outcome, runId, tenantId } = await runOnce(task.question, { kind: "text", text: task.context });
    expect(outcome.status, JSON.stringify({ error: outcome.error, endReason: outcome.endReason })).toBe("completed");
    expect(outcome.answer).toContain(task.value);
    expect(outcome.forced).toBe(false);
    expect(outcome.usage.llmCalls).toBeGreaterThan(2);
    const [row] = await runRows(runId);
    expect(row).toMatchObject({ status: "completed", depth: 0, tenantId });
    expect(row?.answer).toContain(task.value);
    const steps = await handle.db
      .select()
      .from(runSteps)
      .where(and(eq(runSteps.tenantId, tenantId), eq(runSteps.runId, runId)));
    const iterations = steps.filter((s) => s.kind === "iteration");
    expect(iterations.length).toBe(outcome.iterations);
    const first = iterations[0]?.data as { blocks: Array<{ code: string; outputChars: number }> };
    expect(first.blocks[0]?.code).toContain("llm_query_batched");
    expect(steps.filter((s) => s.kind === "llm_call").length).toBe(outcome.usage.llmCalls);
  }, 120_000);

  it("fans out 256 llm_query_batched prompts", async () => {
    const context = "abcdefghij".repeat(25_600);
    const { outcome, stub } = await runOnce(
      "Count the characters of the context; fan out 256",
      { kind: "text", text: context },
      {
        settings: { llmConcurrency: 32 },
      },
    );
    expect(outcome.status, JSON.stringify({ error: outcome.error, endReason: outcome.endReason })).toBe("completed");
    expect(outcome.usage.llmCalls).toBeGreaterThanOrEqual(256 + 2);
    expect(outcome.answer).toContain(String(context.length));
    // The batch was reserved and settled as a whole: the ledger agrees exactly with the calls made.
    const snapshot = await stub.snapshot();
    expect(snapshot.totals.used.llmCalls).toBe(outcome.usage.llmCalls);
    expect(snapshot.totals.used.tokens).toBe(outcome.usage.promptTokens + outcome.usage.completionTokens);
    expect(snapshot.totals.reserved.llmCalls).toBe(0);
  }, 120_000);

  it("lets code read budget() after a fan-out, with the BudgetDO's own figures", async () => {
    const id = `budget-${crypto.randomUUID()}`;
    await scriptReplies(id, [
      [
        "```repl",
        "import json",
        "pongs = llm_query_batched([f'ping {i}' for i in range(64)])",
        "left = budget()",
        "print(len(pongs), left)",
        "FINAL(json.dumps(left))",
        "```",
      ].join("\n"),
    ]);
    const timeoutMs = 600_000;
    const { outcome, stub } = await runOnce(
      "How much is left?",
      { kind: "text", text: "ctx" },
      {
        planner: `scripted:${id}`,
        limits: { llmCalls: 100, tokens: 1_000_000, costUsd: 5, deadline: Date.now() + timeoutMs },
      },
    );
    expect(outcome.status, JSON.stringify(outcome.error)).toBe("completed");
    expect(outcome.usage.llmCalls).toBe(65);
    const left = JSON.parse(outcome.answer ?? "null") as Record<string, number>;
    // Nothing ran after `budget()`: the ledger at the end is the ledger the code read.
    const snapshot = await stub.snapshot();
    expect(snapshot.totals.reserved.llmCalls).toBe(0);
    expect(left).toMatchObject({
      llm_calls: snapshot.totals.remaining.llmCalls,
      tokens: snapshot.totals.remaining.tokens,
      cost_usd: snapshot.totals.remaining.costUsd,
    });
    expect(left.llm_calls).toBe(100 - 65);
    expect(left.tokens).toBe(1_000_000 - outcome.usage.promptTokens - outcome.usage.completionTokens);
    expect(left.seconds).toBeGreaterThanOrEqual(((snapshot.limits.deadline ?? 0) - snapshot.now) / 1000);
    expect(left.seconds).toBeLessThanOrEqual(timeoutMs / 1000);
  }, 120_000);

  it("compacts a 60-iteration run against a small window, still answers, and records where", async () => {
    const task = makeNiah({ chars: 50_000, depth: 0.4, seed: 5 });
    const planner = "solver:explore=58";
    const windowTokens = 8_000;
    const { outcome, runId, tenantId } = await runOnce(
      task.question,
      { kind: "text", text: task.context },
      { planner, settings: { maxIterations: 60, contextWindowTokens: windowTokens } },
    );
    expect(outcome.status, JSON.stringify({ error: outcome.error, endReason: outcome.endReason })).toBe("completed");
    expect(outcome).toMatchObject({ forced: false, iterations: 60 });
    expect(outcome.answer).toContain(task.value);
    const steps = await handle.db
      .select()
      .from(runSteps)
      .where(and(eq(runSteps.tenantId, tenantId), eq(runSteps.runId, runId)))
      .orderBy(runSteps.index);
    type Iteration = {
      turn: number;
      context: { resentTokens: number; resentTokensTotal: number; windowTokens: number };
      compaction?: {
        summarised: { from: number; to: number };
        kept: { from: number; to: number };
        tokensAfter: number;
        fits: boolean;
      };
    };
    const iterations = steps.filter((s) => s.kind === "iteration").map((s) => s.data as Iteration);
    expect(iterations).toHaveLength(60);
    const compactions = iterations.filter((i) => i.compaction);
    expect(compactions.length).toBeGreaterThanOrEqual(3);
    for (const i of compactions) {
      // The summary always covers turn 1 up to the first kept turn; what it kept runs to the turn just finished.
      expect(i.compaction).toMatchObject({ summarised: { from: 1 }, kept: { to: i.turn }, fits: true });
      expect(i.compaction?.kept.from).toBe((i.compaction?.summarised.to ?? 0) + 1);
      expect(i.compaction?.tokensAfter).toBeLessThanOrEqual(windowTokens);
      // Folding shrinks what the next root call re-sends.
      expect(i.context.resentTokens).toBeLessThan(iterations[i.turn - 1]?.context.resentTokens ?? 0);
    }
    expect(iterations.every((i) => i.context.resentTokens > 0 && i.context.windowTokens === windowTokens)).toBe(true);
    const total = iterations.reduce((n, i) => n + i.context.resentTokens, 0);
    expect(iterations.at(-1)?.context.resentTokensTotal).toBe(total);
    // One summarising call per compaction, recorded as the run's own LLM call.
    const calls = steps.filter((s) => s.kind === "llm_call").map((s) => s.data as { purpose: string });
    expect(calls.filter((c) => c.purpose === "compaction")).toHaveLength(compactions.length);
    const requests = await llmRequests<{ handler: string; body: { messages: Array<{ content: string }> } }>(planner);
    expect(requests.filter((r) => r.handler === "solver:summary")).toHaveLength(compactions.length);
    // No root call the model received was past its window.
    for (const r of requests.filter((r) => r.handler === "solver:root")) {
      const chars = r.body.messages.reduce((n, m) => n + m.content.length + 8, 0);
      expect(Math.ceil(chars / 4)).toBeLessThanOrEqual(windowTokens - 2_000);
    }
  }, 180_000);

  it("records a clear failure when the summarising call fails, after the turns it had", async () => {
    const id = `compact-fail-${crypto.randomUUID()}`;
    const big = "```repl\nprint('x' * 8000)\n```";
    // With the ~800-token head and room for the reply, three turns of 2,000 tokens pass an 8,500-token window: the
    // fourth request is the summarising call.
    await scriptReplies(id, [big, big, big, { error: { status: 400, message: "this model cannot summarise" } }]);
    const { outcome, runId, tenantId } = await runOnce(
      "q",
      { kind: "text", text: "abc" },
      { planner: `scripted:${id}`, settings: { contextWindowTokens: 8_500 } },
    );
    expect(outcome).toMatchObject({ status: "failed", iterations: 3 });
    expect(outcome.error?.message).toContain("this model cannot summarise");
    const [row] = await runRows(runId);
    expect(row).toMatchObject({ status: "failed", endReason: outcome.endReason });
    const steps = await handle.db
      .select()
      .from(runSteps)
      .where(and(eq(runSteps.tenantId, tenantId), eq(runSteps.runId, runId)));
    const failed = steps.filter((s) => s.kind === "llm_call" && (s.data as { error?: unknown }).error);
    expect(failed.map((s) => (s.data as { purpose: string }).purpose)).toEqual(["compaction"]);
    const log = await requestsOf(`scripted:${id}`);
    expect(log.at(-1)?.body.messages[0]?.content).toMatch(/^You summarise the earlier turns of a model/);
  }, 60_000);

  it("recurses to depth 2 with rlm_query, linking child runs to the parent", async () => {
    const task = makeNiah({ chars: 200_000, depth: 0.8, seed: 11 });
    const { outcome, runId } = await runOnce(
      task.question,
      { kind: "text", text: task.context },
      {
        planner: "solver-depth2",
        settings: { maxDepth: 2 },
      },
    );
    expect(outcome.status, JSON.stringify({ error: outcome.error, endReason: outcome.endReason })).toBe("completed");
    expect(outcome.answer).toContain(task.value);
    const rows = await runRows(runId);
    const children = rows.filter((r) => r.parentRunId === runId);
    expect(children.length).toBe(2);
    expect(children.every((c) => c.depth === 1 && c.status === "completed")).toBe(true);
  }, 120_000);

  it("is cancelled promptly mid-way, settling the budget and deleting its sandbox", async () => {
    const id = `cancel-${crypto.randomUUID()}`;
    await scriptReplies(id, ["Let me wait.\n```repl\nimport time\nfor _ in range(600):\n    time.sleep(0.05)\n```"]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 800);
    const started = Date.now();
    const { outcome, runId, stub } = await runOnce(
      "anything",
      { kind: "text", text: "ctx" },
      {
        planner: `scripted:${id}`,
        signal: controller.signal,
      },
    );
    expect(outcome.status).toBe("cancelled");
    expect(Date.now() - started).toBeLessThan(15_000);
    const snapshot = await stub.snapshot();
    expect(snapshot.totals.reserved.llmCalls).toBe(0);
    expect(snapshot.totals.sandboxes).toBe(0);
    const [row] = await runRows(runId);
    expect(row?.status).toBe("cancelled");
    const labels = encodeURIComponent(JSON.stringify({ run: runId }));
    const left = async () => {
      const res = await fetch(`${env.DAYTONA_API_URL}/sandbox?labels=${labels}`, {
        headers: { authorization: `Bearer ${env.DAYTONA_API_KEY}` },
      });
      return ((await res.json()) as { items: Array<{ state: string }> }).items;
    };
    // Deletion is asynchronous on Daytona: a sandbox is listed as `destroying` until it is `destroyed`.
    expect((await left()).every((s) => s.state === "destroying" || s.state === "destroyed")).toBe(true);
    await until(async () => (await left()).length === 0, "the run's sandboxes to be destroyed");
  }, 60_000);

  it("ends with a recorded reason when the budget runs out, never exceeding it", async () => {
    const task = makeNiah({ chars: 300_000, seed: 3 });
    const { outcome, runId, stub } = await runOnce(
      task.question,
      { kind: "text", text: task.context },
      {
        limits: { llmCalls: 4 },
      },
    );
    const snapshot = await stub.snapshot();
    expect(snapshot.totals.used.llmCalls).toBeLessThanOrEqual(4);
    expect(outcome.usage.llmCalls).toBeLessThanOrEqual(4);
    expect(outcome.status).toBe("failed");
    expect(outcome.endReason).toBe("budget:llm_calls");
    expect(outcome.error?.code).toBe("budget_exhausted");
    const [row] = await runRows(runId);
    expect(row).toMatchObject({ status: "failed", endReason: "budget:llm_calls" });
  }, 120_000);

  it("rides out a 429 from the provider", async () => {
    const id = `r429-${crypto.randomUUID()}`;
    await scriptReplies(id, [
      { error: { status: 429, retryAfter: 1, message: "slow down" } },
      "```repl\nprint(len(context))\n```",
      "FINAL(it has 3 characters)",
    ]);
    const { outcome } = await runOnce("How long is it?", { kind: "text", text: "abc" }, { planner: `scripted:${id}` });
    expect(outcome).toMatchObject({ status: "completed", answer: "it has 3 characters" });
    const log = await requestsOf(`scripted:${id}`);
    expect(log.map((r) => r.status)).toEqual([429, 200, 200]);
  }, 60_000);

  it("records a clear failure when the provider is down", async () => {
    const { outcome, runId } = await runOnce("q", { kind: "text", text: "abc" }, { baseUrl: "http://127.0.0.1:9/v1" });
    expect(outcome.status).toBe("failed");
    expect(outcome.error?.code).toBe("unavailable");
    const [row] = await runRows(runId);
    expect(row?.error).toMatchObject({ code: "unavailable" });
  }, 60_000);

  it("feeds a missing FINAL_VAR back instead of returning it, and forces an answer after max iterations", async () => {
    const id = `fv-${crypto.randomUUID()}`;
    await scriptReplies(id, ["FINAL_VAR(missing)", "```repl\nresult = 6 * 7\n```", "FINAL(42)"]);
    const first = await runOnce("q", { kind: "text", text: "abc" }, { planner: `scripted:${id}` });
    expect(first.outcome).toMatchObject({ status: "completed", answer: "42", iterations: 3 });
    const prompts = (await requestsOf(`scripted:${id}`)).map((r) => r.body.messages.map((m) => m.content).join("\n"));
    expect(prompts[1]).toContain("FINAL_VAR(missing) failed");

    const forcedId = `forced-${crypto.randomUUID()}`;
    await scriptReplies(forcedId, ["```repl\nprint(1)\n```", "```repl\nprint(2)\n```", "FINAL(best guess)"]);
    const forced = await runOnce(
      "q",
      { kind: "text", text: "abc" },
      {
        planner: `scripted:${forcedId}`,
        settings: { maxIterations: 2 },
      },
    );
    expect(forced.outcome).toMatchObject({ status: "completed", answer: "best guess", forced: true, iterations: 2 });
  }, 60_000);

  it("keeps the root prompt the same size for a 10 KB and a 50 MB context", async () => {
    const sizes: number[] = [];
    for (const bytes of [10 * 1024, 50 * 1024 * 1024]) {
      const id = `size-${crypto.randomUUID()}`;
      await scriptReplies(id, ["FINAL(done)"]);
      await runOnce("What is it about?", { kind: "text", text: "x".repeat(bytes) }, { planner: `scripted:${id}` });
      const [first] = await requestsOf(`scripted:${id}`);
      sizes.push(first?.body.messages.reduce((n, m) => n + m.content.length, 0) ?? 0);
    }
    expect(sizes[0]).toBeGreaterThan(1000);
    // Only the digits of the stated length differ.
    expect(Math.abs((sizes[1] ?? 0) - (sizes[0] ?? 0))).toBeLessThan(20);
  }, 120_000);
});
