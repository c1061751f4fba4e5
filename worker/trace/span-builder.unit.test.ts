import { describe, expect, it } from "vitest";
import type { RunOutcome } from "../rlm";
import { spanIdFor, traceIdFor } from "./ids";
import type { SpanRecord } from "./span";
import { spanBuilder, spanIds } from "./span-builder";

const ROOT = "0190c2b6-8f7a-7cc1-9d0e-3c1f2a4b5c6d";
const CHILD = "11111111-2222-4333-8444-555555555555";
const AGENT = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";

function outcome(over: Partial<RunOutcome> = {}): RunOutcome {
  return {
    status: "completed",
    answer: "42",
    forced: false,
    iterations: 1,
    endReason: null,
    error: null,
    usage: { llmCalls: 2, promptTokens: 100, completionTokens: 10, cachedTokens: 0, costUsd: 0.01 },
    wallMs: 50,
    ...over,
  };
}

function harness(options: { agentRunId?: string; conversationId?: string } = {}) {
  let clock = 1_000;
  const spans: SpanRecord[] = [];
  const builder = spanBuilder({ tenantId: "t1", onSpan: (s) => spans.push(s), now: () => clock, ...options });
  const at = (ms: number) => {
    clock = ms;
  };
  const byName = (name: string) => spans.filter((s) => s.name === name);
  return { builder, spans, at, byName };
}

/** Every parent link resolves among `spans`, and each trace has exactly one root. */
function expectLinked(spans: SpanRecord[]): void {
  const ids = new Set(spans.map((s) => s.spanId));
  expect(ids.size).toBe(spans.length);
  for (const span of spans) if (span.parentSpanId) expect(ids.has(span.parentSpanId), span.name).toBe(true);
  for (const traceId of new Set(spans.map((s) => s.traceId))) {
    expect(spans.filter((s) => s.traceId === traceId && s.parentSpanId === null)).toHaveLength(1);
  }
}

const llmStep = (purpose: string, latencyMs: number, extra: Record<string, unknown> = {}) => ({
  kind: "llm_call" as const,
  data: {
    role: purpose === "root" ? "planner" : "delegate",
    purpose,
    model: "m-2025",
    requestModel: "m",
    cachedTokens: 30,
    finishReason: "stop",
    ...extra,
  },
  promptTokens: 90,
  completionTokens: 7,
  costUsd: 0.001,
  latencyMs,
  endpoint: "https://api.groq.com/openai/v1",
});

describe("spanBuilder", () => {
  it("nests a depth-2 tree: run → iteration → llm calls, child run under the iteration that spawned it", () => {
    const { builder, spans, at, byName } = harness();
    at(1_000);
    builder.started?.({ runId: ROOT, parentRunId: null, rootRunId: ROOT, depth: 0, query: "q" });
    at(1_100);
    builder.step?.(ROOT, llmStep("root", 90));
    at(1_150);
    builder.started?.({ runId: CHILD, parentRunId: ROOT, rootRunId: ROOT, depth: 1, query: "sub" });
    at(1_200);
    builder.step?.(CHILD, llmStep("root", 40));
    at(1_210);
    builder.step?.(CHILD, { kind: "iteration", data: { turn: 0, blocks: [], final: "x" }, latencyMs: 55 });
    builder.ended?.(CHILD, outcome());
    at(1_300);
    builder.step?.(ROOT, {
      kind: "iteration",
      data: {
        turn: 0,
        final: "42",
        blocks: [{ code: "print(1)", output: "1", outputChars: 1, error: null, ms: 150 }],
        timings: { rootCallMs: 100 },
      },
      latencyMs: 300,
    });
    at(1_310);
    builder.ended?.(ROOT, outcome());

    const traceId = traceIdFor(ROOT);
    expect(traceId).toBe(ROOT.replaceAll("-", ""));
    expect(spans.every((s) => s.traceId === traceId)).toBe(true);
    const [root, child] = byName("rlm.run").sort((a, b) => a.startMs - b.startMs);
    expect(root).toMatchObject({ spanId: spanIds.run(ROOT), parentSpanId: null, startMs: 1_000, endMs: 1_310 });
    expect(root?.status.code).toBe("ok");
    const rootIteration = byName("rlm.iteration").find((s) => s.parentSpanId === root?.spanId);
    expect(rootIteration).toMatchObject({ spanId: spanIds.iteration(ROOT, 0), startMs: 1_000, endMs: 1_300 });
    expect(child?.parentSpanId).toBe(rootIteration?.spanId);
    const childIteration = byName("rlm.iteration").find((s) => s.parentSpanId === child?.spanId);
    expect(childIteration).toBeDefined();
    const llm = byName("chat m");
    expect(llm.map((s) => s.parentSpanId).sort()).toEqual([rootIteration?.spanId, childIteration?.spanId].sort());
    expect(llm[0]).toMatchObject({
      kind: "client",
      startMs: 1_010,
      endMs: 1_100,
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "groq",
        "server.address": "api.groq.com",
        "server.port": 443,
        "gen_ai.request.model": "m",
        "gen_ai.response.model": "m-2025",
        "gen_ai.usage.input_tokens": 90,
        "gen_ai.usage.output_tokens": 7,
        "gen_ai.usage.cache_read.input_tokens": 30,
        "gen_ai.usage.cost": 0.001,
        "gen_ai.response.finish_reasons": ["stop"],
        "fleet.tenant.id": "t1",
      },
    });
    const [exec] = byName("sandbox.exec");
    expect(exec).toMatchObject({ parentSpanId: rootIteration?.spanId, startMs: 1_100, endMs: 1_250 });
    expectLinked(spans);
  });

  it("nests host calls and child runs under the code block that made them, with batch ids", () => {
    const { builder, spans, at, byName } = harness();
    at(1_000);
    builder.started?.({ runId: ROOT, parentRunId: null, rootRunId: ROOT, depth: 0, query: "q" });
    at(1_100);
    builder.step?.(ROOT, llmStep("root", 100));
    at(1_150);
    const exec = { turn: 0, block: 1 };
    builder.started?.({ runId: CHILD, parentRunId: ROOT, rootRunId: ROOT, depth: 1, query: "sub", parentExec: exec });
    at(1_400);
    builder.ended?.(CHILD, outcome());
    const batch = { batchId: "b1", batchIndex: 0, batchSize: 2, exec };
    builder.step?.(ROOT, llmStep("llm_query_batched", 200, batch));
    at(1_500);
    builder.step?.(ROOT, {
      kind: "iteration",
      data: {
        turn: 0,
        final: null,
        blocks: [
          { code: "x = 1", outputChars: 0, error: null, ms: 5, startMs: 100, wallMs: 10 },
          // The sandbox's own duration is shorter than the host calls it waited for; the span encloses them.
          { code: "llm_query_batched([a, b])", outputChars: 4, error: null, ms: 50, startMs: 120, wallMs: 300 },
        ],
      },
      latencyMs: 500,
    });
    at(1_510);
    builder.ended?.(ROOT, outcome());

    const execs = byName("sandbox.exec").sort((a, b) => a.startMs - b.startMs);
    expect(execs.map((s) => s.spanId)).toEqual([spanIds.exec(ROOT, 0, 0), spanIds.exec(ROOT, 0, 1)]);
    expect(execs[1]).toMatchObject({ startMs: 1_120, endMs: 1_420 });
    const [child] = byName("rlm.run").filter((s) => s.attributes["fleet.run.depth"] === 1);
    expect(child?.parentSpanId).toBe(execs[1]?.spanId);
    const subCall = byName("chat m").find((s) => s.attributes["fleet.llm.purpose"] === "llm_query_batched");
    expect(subCall).toMatchObject({ parentSpanId: execs[1]?.spanId, startMs: 1_200, endMs: 1_400 });
    expect(subCall?.attributes).toMatchObject({
      "fleet.llm.batch.id": "b1",
      "fleet.llm.batch.index": 0,
      "fleet.llm.batch.size": 2,
    });
    expectLinked(spans);
  });

  it("records a failed call as an error span with error.type and no made-up token counts", () => {
    const { builder, byName } = harness({ agentRunId: AGENT, conversationId: "sess-1" });
    builder.step?.(AGENT, {
      kind: "llm_call",
      data: {
        role: "planner",
        purpose: "agent",
        requestModel: "m",
        error: { code: "rate_limited", message: "slow down" },
      },
      latencyMs: 20,
      endpoint: "https://api.anthropic.com/v1",
    });
    builder.ended?.(AGENT, outcome({ status: "failed", error: { code: "rate_limited", message: "slow down" } }));
    const [call] = byName("chat m");
    expect(call?.status).toEqual({ code: "error", message: "slow down" });
    expect(call?.attributes).toMatchObject({
      "error.type": "rate_limited",
      "gen_ai.provider.name": "anthropic",
      "gen_ai.conversation.id": "sess-1",
    });
    for (const key of ["gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.usage.cost"] as const) {
      expect(call?.attributes[key]).toBeUndefined();
    }
    const [agent] = byName("invoke_agent fleet-rlm agent");
    expect(agent?.attributes).toMatchObject({
      "gen_ai.provider.name": "anthropic",
      "gen_ai.conversation.id": "sess-1",
      "error.type": "rate_limited",
    });
  });

  it("closes what a host gave up on with ERROR spans, so nothing exported is left without its parent", () => {
    const { builder, spans, at, byName } = harness({ agentRunId: AGENT });
    at(2_000);
    builder.step?.(AGENT, { kind: "tool_call", data: { callId: "c1", name: "delegate_to_rlm" } });
    at(2_100);
    builder.started?.({ runId: ROOT, parentRunId: AGENT, rootRunId: AGENT, depth: 0, query: "q" });
    at(2_200);
    builder.step?.(ROOT, llmStep("root", 50));
    at(2_300);
    builder.started?.({
      runId: CHILD,
      parentRunId: ROOT,
      rootRunId: AGENT,
      depth: 1,
      query: "sub",
      parentExec: { turn: 0, block: 0 },
    });
    at(2_400);
    builder.step?.(CHILD, llmStep("root", 50));
    expect(spans).toHaveLength(2); // only the two LLM calls so far: their parents are still open
    at(2_500);
    builder.closeOpen("host restarted");
    builder.ended?.(ROOT, outcome()); // a late report changes nothing
    expectLinked(spans);
    const open = spans.filter((s) => s.name !== "chat m");
    expect(open.every((s) => s.status.code === "error" && s.endMs === 2_500)).toBe(true);
    expect(open.map((s) => s.name).sort()).toEqual(
      [
        "execute_tool delegate_to_rlm",
        "invoke_agent fleet-rlm agent",
        "rlm.iteration",
        "rlm.iteration",
        "rlm.run",
        "rlm.run",
        "sandbox.exec",
      ].sort(),
    );
    const [exec] = byName("sandbox.exec");
    expect(exec?.attributes).toMatchObject({ "fleet.span.incomplete": true, "error.type": "incomplete" });
    expect(byName("rlm.run").every((s) => s.attributes["fleet.usage.llm_calls"] === undefined)).toBe(true);
  });

  it("hangs a delegated run under the agent's tool call and closes what a failed run left open", () => {
    const { builder, at, byName } = harness({ agentRunId: AGENT });
    at(2_000);
    builder.step?.(AGENT, llmStep("agent", 500));
    builder.step?.(AGENT, { kind: "tool_call", data: { callId: "c1", name: "delegate_to_rlm" } });
    at(2_100);
    builder.started?.({ runId: ROOT, parentRunId: AGENT, rootRunId: AGENT, depth: 0, query: "q" });
    at(2_200);
    builder.step?.(ROOT, llmStep("llm_query", 50));
    at(2_300);
    builder.ended?.(ROOT, outcome({ status: "failed", error: { code: "budget_exhausted", message: "no calls left" } }));
    builder.step?.(AGENT, { kind: "observation", data: { callId: "c1", name: "delegate_to_rlm", ok: false } });
    at(2_400);
    builder.ended?.(AGENT, outcome());

    const [agent] = byName("invoke_agent fleet-rlm agent");
    expect(agent).toMatchObject({ parentSpanId: null, startMs: 1_000, traceId: AGENT.replaceAll("-", "") });
    expect(agent?.attributes["gen_ai.operation.name"]).toBe("invoke_agent");
    const [tool] = byName("execute_tool delegate_to_rlm");
    expect(tool).toMatchObject({ parentSpanId: agent?.spanId, startMs: 2_000, endMs: 2_300 });
    expect(tool?.status.code).toBe("error");
    expect(tool?.attributes["error.type"]).toBe("tool_error");
    const [run] = byName("rlm.run");
    expect(run).toMatchObject({ parentSpanId: tool?.spanId, status: { code: "error", message: "no calls left" } });
    const [open] = byName("rlm.iteration");
    expect(open).toMatchObject({ parentSpanId: run?.spanId, startMs: 2_150, endMs: 2_300 });
    expect(open?.attributes["fleet.span.incomplete"]).toBe(true);
    expect(open?.status.code).toBe("error");
    const agentCall = byName("chat m").find((s) => s.attributes["fleet.llm.purpose"] === "agent");
    expect(agentCall?.parentSpanId).toBe(agent?.spanId);
  });

  it("says on an iteration what its root call re-sent and what a compaction before it folded and kept", () => {
    const { builder, at, byName } = harness();
    builder.started?.({ runId: ROOT, parentRunId: null, rootRunId: ROOT, depth: 0, query: "q" });
    at(1_050);
    builder.step?.(ROOT, llmStep("compaction", 40));
    builder.step?.(ROOT, { kind: "iteration", data: { turn: 0, blocks: [], final: null }, latencyMs: 10 });
    at(1_100);
    builder.step?.(ROOT, {
      kind: "iteration",
      data: {
        turn: 1,
        blocks: [],
        final: null,
        context: { resentTokens: 2_820, resentTokensTotal: 3_000, windowTokens: 8_000 },
        compaction: { summarised: { from: 1, to: 12 }, kept: { from: 13, to: 19 }, foldedTurns: 12 },
      },
      latencyMs: 90,
    });
    const [plain, compacted] = byName("rlm.iteration");
    expect(compacted?.attributes).toMatchObject({
      "fleet.iteration.resent_tokens": 2_820,
      "fleet.compaction.folded_turns": 12,
      "fleet.compaction.summarised_to": 12,
      "fleet.compaction.kept_turns": 7,
    });
    expect(plain?.attributes["fleet.compaction.folded_turns"]).toBeUndefined();
    expect(plain?.attributes["fleet.compaction.kept_turns"]).toBeUndefined();
    expect(byName("chat m")[0]).toMatchObject({
      parentSpanId: spanIds.iteration(ROOT, 0),
      attributes: { "fleet.llm.purpose": "compaction" },
    });
  });

  it("puts the forced answer under the run, and ignores runs it never saw start", () => {
    const { builder, spans, byName } = harness();
    builder.step?.(CHILD, llmStep("root", 1));
    builder.ended?.(CHILD, outcome());
    expect(spans).toEqual([]);
    builder.started?.({ runId: ROOT, parentRunId: null, rootRunId: ROOT, depth: 0, query: "q" });
    builder.step?.(ROOT, llmStep("forced_answer", 5));
    builder.ended?.(ROOT, outcome({ forced: true }));
    expect(byName("chat m")[0]?.parentSpanId).toBe(spanIds.run(ROOT));
    expect(byName("rlm.iteration")).toEqual([]);
  });
});

describe("ids", () => {
  it("derives stable, distinct 8-byte span ids and hashes non-UUID trace roots", () => {
    expect(spanIdFor("run", ROOT)).toBe(spanIdFor("run", ROOT));
    expect(spanIdFor("run", ROOT)).not.toBe(spanIdFor("run", CHILD));
    expect(spanIdFor("a", "bc")).not.toBe(spanIdFor("ab", "c"));
    expect(spanIdFor("x")).toMatch(/^[0-9a-f]{16}$/);
    expect(traceIdFor("not-a-uuid")).toMatch(/^[0-9a-f]{32}$/);
  });
});
