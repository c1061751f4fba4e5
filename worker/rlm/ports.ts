/**
 * What the RLM engine needs from the outside world, as the smallest interfaces that serve it. The engine never
 * imports the gateway, the Durable Objects or the database directly; the wiring in `./wiring.ts` adapts them.
 */
import type { ContextInfo, ExecDone, VarReply } from "../contracts/repl";
import type { CallbackHandler } from "../sandbox/repl-session";
import type { CompactionRecord } from "./compact";
import type { RootHistory } from "./compaction";

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

/** What one scope could still spend now; `null` means unlimited. What sandbox code reads with `budget()`. */
export interface BudgetRemaining {
  llmCalls: number | null;
  tokens: number | null;
  costUsd: number | null;
  /** Milliseconds before the tree's deadline. */
  msLeft: number | null;
}

/** One scope of the shared budget (the root run's, or a child's lease). */
export interface BudgetPort {
  /** `callId` makes the reservation idempotent: a call re-issued after a restart is never counted twice. */
  reserve(amount: { llmCalls: number; tokens: number; costUsd: number; callId?: string }): Promise<Reservation>;
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
  /** What this scope can still spend, bounded by every ancestor. */
  remaining(): Promise<BudgetRemaining>;
}

/** A REPL the engine can drive: the subset of `ReplSession` it uses. */
export interface ReplPort {
  loadContext(
    body: ReadableStream<Uint8Array> | string,
    options: { name?: string; format?: "auto" | "text" | "json"; fileName?: string },
  ): Promise<ContextInfo>;
  exec(
    code: string,
    options: {
      timeoutMs?: number;
      maxOutputChars?: number;
      onCallback?: CallbackHandler;
      signal?: AbortSignal;
      /** A stable id: the REPL re-attaches to an exec it already has by this id instead of running it twice. */
      execId?: string;
    },
  ): Promise<ExecDone>;
  readVariable(name: string): Promise<VarReply>;
  /** The variables that pickle, for a checkpoint (between execs only). */
  snapshot?(): Promise<{ data: Uint8Array<ArrayBuffer> }>;
  /** Loads variables saved by {@link snapshot}. */
  restore?(data: Uint8Array<ArrayBuffer>): Promise<unknown>;
}

/** A run's sandbox as a checkpoint names it, so a host that restarted can find it again. */
export interface SavedSandbox {
  sandboxId: string;
  /** The REPL's secret; stays in host storage, never in a trace or a response. */
  secret: string;
}

export interface OpenedSandbox {
  repl: ReplPort;
  dispose(): Promise<void>;
  /** How to re-attach to it after a restart; absent when it cannot be. */
  saved?: SavedSandbox;
}

export interface SandboxPort {
  /** Creates a sandbox with a running REPL for one run; `dispose` deletes it. */
  open(labels: { run: string; depth: number }): Promise<OpenedSandbox>;
  /** Re-attaches to a sandbox a checkpoint names, with its REPL still alive; null when it is gone or lost its REPL. */
  reopen?(saved: SavedSandbox): Promise<OpenedSandbox | null>;
}

/**
 * A run's state after an iteration (or after a root call, before its blocks ran): enough for a host that restarted
 * to continue the run where it was, rather than start it again.
 */
export interface RunCheckpoint {
  version: 1;
  /** The iteration to run next (or whose blocks were running, with `pending`). */
  turn: number;
  history: RootHistory;
  /** Root-history tokens re-sent so far (the hidden cost of a long run). */
  resentTotal: number;
  usage: RunUsage;
  /** The root response of `turn` whose blocks had started; they run again under the same exec ids. */
  pending: PendingTurn | null;
  sandbox: SavedSandbox | null;
  /** Whether the saved variables (kept beside the checkpoint) can restore a new sandbox. */
  variables: boolean;
  /** The ending, once there is one: a finished child asked for again answers at once. */
  outcome: RunOutcome | null;
  startedAt: number;
}

/** A turn whose root call answered: what its iteration record needs beyond the blocks. */
export interface PendingTurn {
  response: string;
  rootCallMs: number;
  modelMs: number;
  context: {
    resentTokens: number;
    resentTokensTotal: number;
    promptTokens: number;
    cachedTokens: number;
    windowTokens: number;
  };
  compaction: CompactionRecord | null;
}

/** Where a run's checkpoints live: its host object's storage. */
export interface CheckpointPort {
  load(runId: string): Promise<{ checkpoint: RunCheckpoint; variables: Uint8Array<ArrayBuffer> | null } | null>;
  /** Saves the checkpoint; `variables` replaces the kept variables when given. */
  save(runId: string, checkpoint: RunCheckpoint, variables?: Uint8Array<ArrayBuffer>): Promise<void>;
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
  /** Resolves once everything recorded so far is stored; the run's end (observers may close what is open). */
  flush(): Promise<void>;
  /** Resolves once the steps recorded so far are stored, closing nothing: a checkpoint never runs ahead of them. */
  sync?(): Promise<void>;
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
