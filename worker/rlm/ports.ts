/**
 * What the RLM engine needs from the outside world, as the smallest interfaces that serve it. The engine never
 * imports the gateway, the Durable Objects or the database directly; the wiring in `./wiring.ts` adapts them.
 */
import type { ContextInfo, ExecDone, VarReply } from "../contracts/repl";
import type { CallbackHandler } from "../sandbox/repl-session";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface LlmUsage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
}

export interface LlmReply {
  content: string;
  model: string;
  usage: LlmUsage;
  costUsd: number;
  latencyMs: number;
  /** Why the model stopped (`stop`, `length`, …), when the provider said. */
  finishReason?: string;
}

export interface LlmPort {
  complete(request: {
    role: "planner" | "delegate";
    messages: ChatMessage[];
    model?: string;
    signal?: AbortSignal;
  }): Promise<LlmReply>;
  /** The model a role's calls ask for when they name none, so traces can tell it from the model that answered. */
  modelFor?(role: "planner" | "delegate"): string;
  /** The API root calls go to, so traces can name the provider and server; absent when unknown. */
  readonly baseUrl?: string;
  /** A conservative cost for a call of this size, so a USD limit can be reserved before the call. */
  estimateCostUsd(role: "planner" | "delegate", promptTokens: number, completionTokens: number): number;
}

export type Reservation = { status: "granted"; id: string } | { status: "refused"; reason: string; message: string };

/** One scope of the shared budget (the root run's, or a child's lease). */
export interface BudgetPort {
  reserve(amount: { llmCalls: number; tokens: number; costUsd: number }): Promise<Reservation>;
  settle(id: string, actual: { tokens: number; costUsd: number }): Promise<void>;
  release(id: string): Promise<void>;
  /** Carves a slice for a child run at `depth`; refused when over the depth limit or out of room. */
  lease(
    childRunId: string,
    depth: number,
  ): Promise<{ status: "granted"; budget: BudgetPort } | { status: "refused"; message: string }>;
  /** Returns a child's unspent slice to its parent. */
  close(): Promise<void>;
  acquireSandbox(): Promise<Reservation>;
  releaseSandbox(): Promise<void>;
}

/** A REPL the engine can drive: the subset of `ReplSession` it uses. */
export interface ReplPort {
  loadContext(
    body: ReadableStream<Uint8Array> | string,
    options: { name?: string; format?: "auto" | "text" | "json"; fileName?: string },
  ): Promise<ContextInfo>;
  exec(
    code: string,
    options: { timeoutMs?: number; maxOutputChars?: number; onCallback?: CallbackHandler; signal?: AbortSignal },
  ): Promise<ExecDone>;
  readVariable(name: string): Promise<VarReply>;
}

export interface SandboxPort {
  /** Creates a sandbox with a running REPL for one run; `dispose` deletes it. */
  open(labels: { run: string; depth: number }): Promise<{ repl: ReplPort; dispose(): Promise<void> }>;
}

/** Which code block of a run's iteration is executing: `turn` is the iteration, `block` the block within it. */
export interface ExecPosition {
  turn: number;
  block: number;
}

/** A run as its recorder learns of it. */
export interface StartedRun {
  runId: string;
  parentRunId: string | null;
  rootRunId: string;
  depth: number;
  query: string;
  /** The parent's code block whose `rlm_query` started this run, so a trace can nest it there. */
  parentExec?: ExecPosition;
}

/** Where the trajectory goes: persisted runs and steps, and live events for the UI. */
export interface RunRecorder {
  started(run: StartedRun): void;
  step(runId: string, step: RecordedStep): void;
  ended(runId: string, outcome: RunOutcome): void;
  /** Resolves once everything recorded so far is stored. */
  flush(): Promise<void>;
}

export interface RecordedStep {
  kind: "iteration" | "llm_call" | "sandbox_exec" | "tool_call" | "observation";
  data: Record<string, unknown>;
  promptTokens?: number;
  completionTokens?: number;
  costUsd?: number;
  latencyMs?: number;
  /** An LLM call's API root, for traces only: observers see it, the database does not store it. */
  endpoint?: string;
  /** An LLM call's messages and reply, for the trace's content store only: the database rows never hold them. */
  io?: StepIo;
}

/** What an LLM call sent and what came back (no reply when the call failed). */
export interface StepIo {
  messages: ReadonlyArray<{ role: string; content?: unknown }>;
  reply?: { content: string | null; toolCalls?: unknown };
}

export interface RunUsage {
  llmCalls: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costUsd: number;
}

export type RunStatus = "completed" | "failed" | "cancelled";

export interface RunOutcome {
  status: RunStatus;
  answer: string | null;
  /** True when the answer came from the forced-answer call after the iterations ran out. */
  forced: boolean;
  iterations: number;
  /** Why the run ended without a normal answer: `budget:<reason>`, `cancelled`, an error code. */
  endReason: string | null;
  error: { code: string; message: string } | null;
  /** This run's own usage plus its children's. */
  usage: RunUsage;
  wallMs: number;
}
