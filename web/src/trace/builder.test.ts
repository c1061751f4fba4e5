/** The trace tree from a frame sequence shaped like the SessionDO's: nesting, batches, totals, endings, size. */
import { describe, expect, it } from "vitest";
import type { ServerFrame } from "../api/types";
import { Transcript } from "../chat/transcript";
import { TraceBuilder } from "./builder";
import { visibleRows } from "./flatten";
import { nodeLatency, type TraceNode } from "./model";

const AGENT = "agent-run";
const RLM = "rlm-run";
const CHILD = "child-run";

function frames(subCalls: number): ServerFrame[] {
  const list: Array<Omit<ServerFrame, "seq" | "ts">> = [];
  const call = (runId: string, depth: number, purpose: string, extra = {}) =>
    list.push({
      kind: "llm_call",
      runId,
      depth,
      data: { purpose, model: "m", promptTokens: 100, completionTokens: 10, costUsd: 0.001, latencyMs: 5, ...extra },
    });
  list.push({ kind: "turn_started", turnId: "t1", runId: AGENT, depth: 0, data: { text: "find it", mode: "auto" } });
  list.push({
    kind: "budget",
    runId: AGENT,
    data: {
      used: { llmCalls: 0, tokens: 0, costUsd: 0 },
      remaining: {},
      limits: { llmCalls: 1000, deadline: 2_000 },
      elapsedMs: 0,
    },
  });
  call(AGENT, 0, "agent");
  list.push({ kind: "tool_call", runId: AGENT, depth: 0, data: { callId: "c1", name: "delegate_to_rlm" } });
  list.push({ kind: "rlm_started", runId: RLM, parentRunId: AGENT, depth: 1, data: { query: "q" } });
  call(RLM, 1, "root");
  for (let i = 0; i < subCalls; i += 1) call(RLM, 1, "llm_query_batched");
  list.push({ kind: "rlm_started", runId: CHILD, parentRunId: RLM, depth: 2, data: { query: "part" } });
  call(CHILD, 2, "root");
  list.push({
    kind: "rlm_iteration",
    runId: CHILD,
    parentRunId: RLM,
    depth: 2,
    data: { iteration: 1, blocks: [], final: "x" },
  });
  list.push({ kind: "rlm_completed", runId: CHILD, parentRunId: RLM, depth: 2, data: { status: "completed" } });
  list.push({
    kind: "rlm_iteration",
    runId: RLM,
    parentRunId: AGENT,
    depth: 1,
    data: { iteration: 1, blocks: [{ code: "print(1)", output: "1", outputChars: 1 }], final: null, latencyMs: 40 },
  });
  call(RLM, 1, "root");
  list.push({ kind: "rlm_iteration", runId: RLM, depth: 1, data: { iteration: 2, blocks: [], final: "42" } });
  list.push({ kind: "rlm_completed", runId: RLM, depth: 1, data: { status: "completed", answer: "42", wallMs: 90 } });
  list.push({ kind: "tool_result", runId: AGENT, depth: 0, data: { callId: "c1", ok: true, output: "42" } });
  call(AGENT, 0, "agent");
  list.push({ kind: "assistant_delta", turnId: "t1", runId: AGENT, depth: 0, data: { text: "It is ", iteration: 2 } });
  list.push({ kind: "assistant_delta", turnId: "t1", runId: AGENT, depth: 0, data: { text: "42.", iteration: 2 } });
  list.push({ kind: "turn_completed", turnId: "t1", runId: AGENT, depth: 0, data: { answer: "It is 42." } });
  return list.map((f, i) => ({ ...f, turnId: f.turnId ?? "t1", seq: i + 1, ts: 1_000 + i }));
}

function build(subCalls: number): TraceBuilder {
  const builder = new TraceBuilder();
  for (const frame of frames(subCalls)) builder.apply(frame);
  return builder;
}

function path(builder: TraceBuilder, node: TraceNode): string {
  const kinds: string[] = [];
  for (let n: TraceNode | undefined = node; n; n = n.parentId ? builder.nodes.get(n.parentId) : undefined) {
    kinds.unshift(n.kind);
  }
  return kinds.join(">");
}

describe("TraceBuilder", () => {
  it("nests agent → tool → RLM → iterations → batches and child RLMs, with totals and endings", () => {
    const builder = build(8);
    const nodes = [...builder.nodes.values()];
    const batch = nodes.find((n) => n.kind === "batch");
    expect(batch?.label).toBe("llm_query_batched × 8");
    expect(path(builder, batch as TraceNode)).toBe("agent>tool>rlm>iteration>batch");
    const child = nodes.find((n) => n.kind === "rlm" && n.runDepth === 2);
    expect(path(builder, child as TraceNode)).toBe("agent>tool>rlm>iteration>rlm");
    const iterations = nodes.filter(
      (n) => n.kind === "iteration" && n.parentId === nodes.find((r) => r.label.startsWith("RLM depth 1"))?.id,
    );
    expect(iterations.map((n) => n.label)).toEqual(["Iteration 1", "Iteration 2 · final"]);
    expect(iterations[0]?.detail.blocks).toEqual([{ code: "print(1)", output: "1", outputChars: 1 }]);
    const root = builder.nodes.get(AGENT) as TraceNode;
    // 2 agent calls + 2 root calls + 8 sub-calls + 1 child root call.
    expect(root.totals.calls).toBe(13);
    expect(root.totals.promptTokens).toBe(1_300);
    expect(root.totals.costUsd).toBeCloseTo(0.013);
    expect(nodes.every((n) => n.status !== "running")).toBe(true);
    expect(builder.turn("t1")?.budget?.limits.llmCalls).toBe(1000);
  });

  it("counts each turn's own frames and keeps the latest server time", () => {
    const builder = new TraceBuilder();
    const first = frames(2);
    for (const frame of first) builder.apply(frame);
    const second = frames(0).map((f, i) => ({
      ...f,
      turnId: "t2",
      runId: f.runId === AGENT ? "agent-2" : f.runId && `${f.runId}-2`,
      parentRunId: f.parentRunId === AGENT ? "agent-2" : f.parentRunId && `${f.parentRunId}-2`,
      seq: first.length + i + 1,
      ts: 5_000 + i,
    }));
    for (const frame of second) builder.apply(frame);
    expect(builder.turn("t1")?.frames).toBe(first.length);
    expect(builder.turn("t2")?.frames).toBe(second.length);
    expect(builder.lastTs).toBe(5_000 + second.length - 1);
  });

  it("never gives a running node a negative latency, even against a clock behind the server's", () => {
    const builder = new TraceBuilder();
    for (const frame of frames(1).slice(0, 6)) builder.apply(frame);
    const running = [...builder.nodes.values()].filter((n) => n.status === "running");
    expect(running.length).toBeGreaterThan(0);
    for (const node of running) expect(nodeLatency(node, node.startTs - 1_257)).toBe(0);
    for (const node of running) expect(nodeLatency(node, node.startTs + 40)).toBe(40);
  });

  it("gives each llm_query_batched call of one iteration its own batch node", () => {
    const builder = new TraceBuilder();
    const list = frames(0).slice(0, 6);
    for (const frame of list) builder.apply(frame);
    let seq = list.length;
    for (const batchId of ["b1", "b1", "b2"]) {
      seq += 1;
      builder.apply({
        seq,
        ts: 1_000 + seq,
        kind: "llm_call",
        runId: RLM,
        depth: 1,
        data: { purpose: "llm_query_batched", batchId, model: "m", latencyMs: 1 },
      });
    }
    const batches = [...builder.nodes.values()].filter((n) => n.kind === "batch");
    expect(batches).toHaveLength(2);
    expect(batches.map((b) => [...builder.nodes.values()].filter((n) => n.parentId === b.id).length)).toEqual([2, 1]);
  });

  it("shows a model call recorded with an error as failed", () => {
    const builder = new TraceBuilder();
    const list = frames(0).slice(0, 6);
    for (const frame of list) builder.apply(frame);
    builder.apply({
      seq: list.length + 1,
      ts: 2_000,
      kind: "llm_call",
      runId: RLM,
      depth: 1,
      data: { purpose: "llm_query", model: "m", latencyMs: 30, error: { code: "timeout", message: "took too long" } },
    });
    const calls = [...builder.nodes.values()].filter((n) => n.kind === "llm_call");
    expect(calls.map((n) => n.status)).toEqual(["ok", "ok", "failed"]);
  });

  it("marks what was still running as cancelled when the turn is cancelled", () => {
    const builder = new TraceBuilder();
    const list = frames(3).slice(0, 7);
    for (const frame of list) builder.apply(frame);
    builder.apply({ seq: 8, ts: 2_000, kind: "cancelled", turnId: "t1", runId: AGENT, depth: 0, data: {} });
    const statuses = new Set([...builder.nodes.values()].map((n) => n.status));
    expect(statuses.has("running")).toBe(false);
    expect(builder.nodes.get(AGENT)?.status).toBe("cancelled");
  });

  it("builds and windows a tree of thousands of nodes quickly", () => {
    const started = performance.now();
    const builder = build(5_000);
    const root = builder.turns[0]?.rootId as string;
    const batch = [...builder.nodes.values()].find((n) => n.kind === "batch") as TraceNode;
    const collapsed = visibleRows(builder.nodes, root, new Map());
    const expanded = visibleRows(builder.nodes, root, new Map([[batch.id, true]]));
    expect(collapsed.length).toBeLessThan(30);
    expect(expanded.length).toBe(collapsed.length + 5_000);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe("Transcript", () => {
  it("keeps the final iteration's text as the answer and moves tool-calling text to reasoning", () => {
    const transcript = new Transcript();
    const list = frames(1);
    const at = list.findIndex((f) => f.kind === "tool_call");
    list.splice(
      at,
      0,
      { seq: 0, ts: 0, kind: "assistant_delta", turnId: "t1", data: { text: "Let me delegate.", iteration: 1 } },
      { seq: 0, ts: 0, kind: "reasoning", turnId: "t1", data: { text: "Let me delegate.", iteration: 1 } },
    );
    for (const [i, frame] of list.entries()) transcript.apply({ ...frame, seq: i + 1 });
    const turn = transcript.turns[0];
    expect(turn?.reasoning).toEqual(["Let me delegate."]);
    expect(turn?.answer).toBe("It is 42.");
    expect(turn?.status).toBe("completed");
  });
});
