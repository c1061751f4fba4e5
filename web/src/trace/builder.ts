/**
 * Builds the execution trace of a session from its frames, incrementally: agent run (depth 0) → tool calls → RLM
 * runs → iterations → LLM calls (sub-calls grouped per batch) → child RLMs, each node carrying its subtree's tokens
 * and cost. Frames arrive in seq order; an RLM's LLM calls come before the `rlm_iteration` frame that closes their
 * iteration, so an iteration node opens at its root call and is filled in when the iteration frame arrives.
 */
import type { ServerFrame } from "../api/types";
import { type NodeKind, type NodeStatus, type TraceNode, zeroTotals } from "./model";

/** The latest `budget` frame of a turn, as the gauge draws it. */
export interface BudgetState {
  /** What finished calls spent. */
  used: { llmCalls: number; tokens: number; costUsd: number };
  /** Committed but not yet spent: calls in flight and slices leased to running children (absent in older logs). */
  reserved?: { llmCalls: number; tokens: number; costUsd: number };
  remaining: { llmCalls: number | null; tokens: number | null; costUsd: number | null };
  limits: {
    llmCalls: number | null;
    tokens: number | null;
    costUsd: number | null;
    deadline: number | null;
    maxDepth?: number;
    maxSandboxes?: number | null;
  };
  elapsedMs: number;
  ts: number;
}

/** Per run: where its next frames go. */
interface RunCursor {
  nodeId: string;
  /** The iteration currently open (its root call seen, its iteration frame not yet). */
  openIteration: string | null;
  iterations: number;
  /** Batch nodes of the open iteration, by batch id (or purpose when a frame has none). */
  batches: Map<string, string>;
}

/** One turn's trace. */
export interface TurnTrace {
  turnId: string;
  rootId: string;
  budget: BudgetState | null;
  /** Logged frames of this turn (the event counter counts the turn's, not the session's). */
  frames: number;
}

/** Purposes of the calls that start an RLM iteration; every other RLM call is a sub-call made from code. */
const ITERATION_CALLS = new Set(["root", "forced_answer"]);

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** Grows the trace tree of a session as frames arrive. */
export class TraceBuilder {
  readonly nodes = new Map<string, TraceNode>();
  readonly turns: TurnTrace[] = [];
  /** Bumped on every change, so views can memoise on it. */
  version = 0;
  /** The latest server time seen, so a running node's age is never negative on a client whose clock is behind. */
  lastTs = 0;
  readonly #runs = new Map<string, RunCursor>();
  readonly #turnOfRun = new Map<string, TurnTrace>();
  readonly #openTools = new Map<string, string[]>();
  #nextId = 0;

  /** The node of step `stepIndex` of run `runId` (an LLM call or an iteration), e.g. for a search hit. */
  stepNode(runId: string, stepIndex: number): TraceNode | undefined {
    for (const node of this.nodes.values()) {
      if (node.detail.runId === runId && node.detail.stepIndex === stepIndex && node.kind !== "rlm") return node;
    }
    return undefined;
  }

  /** The trace of a turn, by turn id. */
  turn(turnId: string): TurnTrace | undefined {
    return this.turns.find((t) => t.turnId === turnId);
  }

  /** Applies one logged frame. */
  apply(frame: ServerFrame): void {
    if (frame.seq === null) return;
    this.version += 1;
    this.lastTs = Math.max(this.lastTs, frame.ts);
    this.#dispatch(frame);
    const turn = (frame.turnId ? this.turn(frame.turnId) : undefined) ?? this.#turnOf(frame);
    if (turn) turn.frames += 1;
  }

  #turnOf(frame: ServerFrame): TurnTrace | undefined {
    return frame.runId ? this.#turnOfRun.get(frame.runId) : undefined;
  }

  #dispatch(frame: ServerFrame): void {
    const data = frame.data;
    switch (frame.kind) {
      case "turn_started":
        this.#turnStarted(frame);
        return;
      case "llm_call":
        this.#llmCall(frame);
        return;
      case "reasoning":
        this.#add(this.#agentNode(frame), "reasoning", "Reasoning", frame, { text: data.text }, "ok");
        return;
      case "tool_call":
        this.#toolCall(frame);
        return;
      case "tool_result":
        this.#toolResult(frame);
        return;
      case "rlm_started":
        this.#rlmStarted(frame);
        return;
      case "rlm_iteration":
        this.#rlmIteration(frame);
        return;
      case "rlm_completed":
        this.#rlmCompleted(frame);
        return;
      case "sandbox": {
        const label = `Sandbox ${str(data.event) || str(data.operation) || "event"}`;
        this.#add(this.#placeFor(frame), "sandbox", label, frame, data, "ok");
        return;
      }
      case "warning":
        this.#add(this.#placeFor(frame), "warning", `Warning: ${str(data.message)}`, frame, data, "ok");
        return;
      case "error":
        this.#error(frame);
        return;
      case "budget": {
        const turn = frame.runId ? this.#turnOfRun.get(frame.runId) : undefined;
        if (turn) turn.budget = { ...(data as unknown as Omit<BudgetState, "ts">), ts: frame.ts };
        return;
      }
      case "turn_completed":
        this.#endTurn(frame, "ok");
        return;
      case "cancelled":
        this.#endTurn(frame, "cancelled");
        return;
      default:
        return;
    }
  }

  #turnStarted(frame: ServerFrame): void {
    const runId = frame.runId ?? `turn-${frame.seq}`;
    const text = str(frame.data.text);
    const node = this.#create("agent", `Agent: ${text.slice(0, 80)}`, null, frame, { ...frame.data, runId }, runId);
    const turn: TurnTrace = { turnId: frame.turnId ?? runId, rootId: node.id, budget: null, frames: 0 };
    this.turns.push(turn);
    this.#turnOfRun.set(runId, turn);
    this.#runs.set(runId, { nodeId: node.id, openIteration: null, iterations: 0, batches: new Map() });
  }

  #llmCall(frame: ServerFrame): void {
    const data = frame.data;
    const purpose = str(data.purpose) || "call";
    const label = `LLM ${purpose} · ${str(data.model)}`;
    const run = frame.runId ? this.#runs.get(frame.runId) : undefined;
    const metrics = {
      calls: 1,
      promptTokens: num(data.promptTokens),
      completionTokens: num(data.completionTokens),
      costUsd: num(data.costUsd),
    };
    let parentId: string;
    if (!run || this.nodes.get(run.nodeId)?.kind === "agent") {
      parentId = run?.nodeId ?? this.#agentNode(frame);
    } else if (ITERATION_CALLS.has(purpose)) {
      parentId = this.#openIteration(run, frame, true);
    } else {
      const iteration = this.#openIteration(run, frame, false);
      // One node per llm_query_batched call when the engine names it; older traces group by purpose.
      const key = str(data.batchId) || purpose;
      let batch = run.batches.get(key);
      if (!batch) {
        batch = this.#add(iteration, "batch", purpose, frame, { purpose }, "running");
        run.batches.set(key, batch);
      }
      parentId = batch;
      this.#relabelBatch(batch, purpose);
    }
    // A call the provider refused or that timed out is recorded with its error: it failed, whatever the run did next.
    const detail = { ...data, runId: frame.runId };
    const node = this.#add(parentId, "llm_call", label, frame, detail, data.error ? "failed" : "ok");
    const created = this.nodes.get(node);
    if (created) created.latencyMs = num(data.latencyMs);
    this.#addTotals(node, metrics);
    if (parentId !== run?.nodeId) this.#touch(parentId, frame.ts);
  }

  #relabelBatch(batchId: string, purpose: string): void {
    const batch = this.nodes.get(batchId);
    if (batch) batch.label = `${purpose} × ${batch.children.length + 1}`;
  }

  #openIteration(run: RunCursor, frame: ServerFrame, fresh: boolean): string {
    if (run.openIteration && !fresh) return run.openIteration;
    if (run.openIteration && fresh) this.#closeIteration(run, frame.ts);
    run.iterations += 1;
    run.openIteration = this.#add(run.nodeId, "iteration", `Iteration ${run.iterations}`, frame, {}, "running");
    run.batches = new Map();
    return run.openIteration;
  }

  #closeIteration(run: RunCursor, ts: number): void {
    if (!run.openIteration) return;
    this.#finish(run.openIteration, "ok", ts);
    for (const batch of run.batches.values()) this.#finish(batch, "ok", ts);
    run.openIteration = null;
    run.batches = new Map();
  }

  #toolCall(frame: ServerFrame): void {
    const agent = this.#agentNode(frame);
    const name = str(frame.data.name);
    const id = this.#add(agent, "tool", `Tool ${name}`, frame, frame.data, "running");
    const open = this.#openTools.get(agent) ?? [];
    open.push(id);
    this.#openTools.set(agent, open);
  }

  #toolResult(frame: ServerFrame): void {
    const agent = this.#agentNode(frame);
    const open = this.#openTools.get(agent) ?? [];
    const callId = frame.data.callId;
    const index = open.findIndex((id) => this.nodes.get(id)?.detail.callId === callId);
    const id = index === -1 ? open.pop() : open.splice(index, 1)[0];
    const node = id ? this.nodes.get(id) : undefined;
    if (!node) return;
    node.detail = { ...node.detail, result: frame.data };
    node.latencyMs = num(frame.data.latencyMs) || null;
    this.#finish(node.id, frame.data.ok === false ? "failed" : "ok", frame.ts);
  }

  #rlmStarted(frame: ServerFrame): void {
    const runId = frame.runId ?? `rlm-${frame.seq}`;
    const parentRun = frame.parentRunId ? this.#runs.get(frame.parentRunId) : undefined;
    let parentId: string;
    const parentNode = parentRun ? this.nodes.get(parentRun.nodeId) : undefined;
    if (parentRun && parentNode?.kind === "agent") {
      // A delegation happens inside a tool call: nest the run under the agent's open tool call.
      parentId = this.#openTools.get(parentNode.id)?.at(-1) ?? parentNode.id;
    } else if (parentRun) {
      parentId = this.#openIteration(parentRun, frame, false);
    } else {
      parentId = this.#agentNode(frame);
    }
    const query = str(frame.data.query);
    const node = this.#add(parentId, "rlm", `RLM depth ${frame.depth ?? "?"}: ${query.slice(0, 80)}`, frame, {
      ...frame.data,
      runId,
    });
    this.#runs.set(runId, { nodeId: node, openIteration: null, iterations: 0, batches: new Map() });
    const turn = frame.parentRunId ? this.#turnOfRun.get(frame.parentRunId) : undefined;
    if (turn) this.#turnOfRun.set(runId, turn);
  }

  #rlmIteration(frame: ServerFrame): void {
    const run = frame.runId ? this.#runs.get(frame.runId) : undefined;
    if (!run) return;
    const id = run.openIteration ?? this.#openIteration(run, frame, true);
    const node = this.nodes.get(id);
    if (!node) return;
    // Frames number iterations from 1, as this builder counts them (the engine's `turn` is its 0-based index).
    const n = num(frame.data.iteration) || run.iterations;
    node.label = `Iteration ${n}${frame.data.final ? " · final" : ""}`;
    node.detail = { ...frame.data, runId: frame.runId };
    node.latencyMs = num(frame.data.latencyMs) || null;
    const failed = Array.isArray(frame.data.blocks) && frame.data.blocks.some((b) => (b as { error?: unknown }).error);
    this.#closeIteration(run, frame.ts);
    if (failed) node.status = "failed";
  }

  #rlmCompleted(frame: ServerFrame): void {
    const run = frame.runId ? this.#runs.get(frame.runId) : undefined;
    if (!run) return;
    this.#closeIteration(run, frame.ts);
    const node = this.nodes.get(run.nodeId);
    if (!node) return;
    node.detail = { ...node.detail, outcome: frame.data };
    node.latencyMs = num(frame.data.wallMs) || null;
    const status = str(frame.data.status);
    this.#finish(node.id, status === "completed" ? "ok" : status === "cancelled" ? "cancelled" : "failed", frame.ts);
  }

  #error(frame: ServerFrame): void {
    const place = this.#placeFor(frame);
    this.#add(place, "error", `Error ${str(frame.data.code)}: ${str(frame.data.message)}`, frame, frame.data, "failed");
    if (frame.data.terminal === true) this.#endTurn(frame, "failed");
  }

  #endTurn(frame: ServerFrame, status: NodeStatus): void {
    const run = frame.runId ? this.#runs.get(frame.runId) : undefined;
    const rootId = run?.nodeId ?? this.turns.at(-1)?.rootId;
    if (!rootId) return;
    const root = this.nodes.get(rootId);
    if (root) root.detail = { ...root.detail, outcome: frame.data };
    // Whatever was still running when the turn ended was cut off with it.
    const ended = status === "ok" ? "ok" : "cancelled";
    const stack = [rootId];
    while (stack.length > 0) {
      const id = stack.pop() as string;
      const node = this.nodes.get(id);
      if (!node) continue;
      if (node.status === "running") this.#finish(id, id === rootId ? status : ended, frame.ts);
      stack.push(...node.children);
    }
  }

  /** The agent node of the frame's turn (by run, else the latest turn). */
  #agentNode(frame: ServerFrame): string {
    const run = frame.runId ? this.#turnOfRun.get(frame.runId) : undefined;
    const turn = run ?? (frame.turnId ? this.turn(frame.turnId) : undefined) ?? this.turns.at(-1);
    if (turn) return turn.rootId;
    // A frame before any turn (should not happen): give it a placeholder root so nothing is dropped.
    const synthetic: ServerFrame = { ...frame, kind: "turn_started", data: { text: "(earlier activity)" } };
    this.#turnStarted(synthetic);
    return (this.turns.at(-1) as TurnTrace).rootId;
  }

  /** Where an event of a run goes: its open iteration, its run node, or the agent. */
  #placeFor(frame: ServerFrame): string {
    const run = frame.runId ? this.#runs.get(frame.runId) : undefined;
    if (!run) return this.#agentNode(frame);
    return run.openIteration ?? run.nodeId;
  }

  #create(
    kind: NodeKind,
    label: string,
    parentId: string | null,
    frame: ServerFrame,
    detail: Record<string, unknown>,
    id?: string,
  ): TraceNode {
    const parent = parentId ? this.nodes.get(parentId) : undefined;
    const node: TraceNode = {
      id: id ?? `n${this.#nextId++}`,
      kind,
      label,
      status: "running",
      parentId,
      children: [],
      level: parent ? parent.level + 1 : 0,
      runDepth: frame.depth ?? parent?.runDepth ?? 0,
      startTs: frame.ts,
      endTs: null,
      latencyMs: null,
      totals: zeroTotals(),
      detail,
      seq: frame.seq ?? 0,
    };
    this.nodes.set(node.id, node);
    parent?.children.push(node.id);
    return node;
  }

  #add(
    parentId: string,
    kind: NodeKind,
    label: string,
    frame: ServerFrame,
    detail: Record<string, unknown>,
    status: NodeStatus = "running",
  ): string {
    const node = this.#create(kind, label, parentId, frame, detail);
    if (status !== "running") this.#finish(node.id, status, frame.ts);
    this.#touch(parentId, frame.ts);
    return node.id;
  }

  #finish(id: string, status: NodeStatus, ts: number): void {
    const node = this.nodes.get(id);
    if (!node) return;
    node.status = status;
    node.endTs = ts;
  }

  /** Running ancestors stay "open-ended"; this only records that something happened under them. */
  #touch(id: string, ts: number): void {
    const node = this.nodes.get(id);
    if (node && node.status !== "running") node.endTs = Math.max(node.endTs ?? ts, ts);
  }

  #addTotals(id: string, add: ReturnType<typeof zeroTotals>): void {
    for (let node = this.nodes.get(id); node; node = node.parentId ? this.nodes.get(node.parentId) : undefined) {
      node.totals.calls += add.calls;
      node.totals.promptTokens += add.promptTokens;
      node.totals.completionTokens += add.completionTokens;
      node.totals.costUsd += add.costUsd;
    }
  }
}
