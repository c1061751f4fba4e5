import { FaultInjector } from "./faults";
import type { Usage } from "./protocol";
import { ScriptQueues } from "./script";
import { PrefixCache } from "./tokens";
import type { Mode, ToolCall } from "./types";

/** Runtime settings of the server; every field can be changed with `POST /__admin/config`. */
export interface LlmConfig {
  /** When set, `/v1/*` requires `Authorization: Bearer <apiKey>`. */
  apiKey: string | null;
  /** Fixed delay before each response starts. */
  latencyMs: number;
  /** Extra delay per completion token (spread over the stream when streaming). */
  perTokenMs: number;
  /** Behaviour of alias model names (see `models.ts`). */
  mode: Mode;
  /** Extra model names to accept and list. */
  models: string[];
  /** Serve unknown model names with `mode` instead of 404. */
  acceptAnyModel: boolean;
  /** Size of streamed content deltas, in characters. */
  streamChunkChars: number;
  /** `full` keeps request bodies in the log, `meta` only the summary, `off` nothing. */
  record: "full" | "meta" | "off";
  /** The log keeps the newest this many requests. */
  maxRecords: number;
}

/** Defaults for {@link LlmConfig}. */
export const DEFAULT_CONFIG: LlmConfig = {
  apiKey: null,
  latencyMs: 0,
  perTokenMs: 0,
  mode: "solver",
  models: [],
  acceptAnyModel: false,
  streamChunkChars: 16,
  record: "full",
  maxRecords: 10_000,
};

/** One entry of `GET /__admin/requests`. */
export interface RecordedRequest {
  seq: number;
  /** The `x-request-id` sent back. */
  id: string;
  at: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  model?: string;
  /** `script:<queue>`, `solver:root|sub|agent`, or absent when the request failed before routing. */
  handler?: string;
  stream?: boolean;
  /** The parsed JSON body (with `record: "full"`). */
  body?: unknown;
  reply?: { content: string | null; toolCalls: ToolCall[]; finishReason: string; refusal: string | null };
  usage?: Usage;
  error?: { type: string; code: string | null; message: string };
  /** The client went away before the response finished (or a scripted disconnect). */
  aborted?: boolean;
}

/** Filter for {@link RequestLog.list}. */
export interface RequestFilter {
  model?: string;
  path?: string;
  limit?: number;
}

/** Bounded log of served requests. */
export class RequestLog {
  #items: RecordedRequest[] = [];
  #seq = 0;

  /** Next sequence number (requests are numbered when they arrive). */
  nextSeq(): number {
    this.#seq += 1;
    return this.#seq;
  }

  /** Adds an entry, dropping the oldest beyond `max`. */
  add(rec: RecordedRequest, max: number): void {
    this.#items.push(rec);
    if (this.#items.length > max) this.#items.splice(0, this.#items.length - max);
  }

  /** Entries in arrival order. */
  list(filter: RequestFilter = {}): RecordedRequest[] {
    let out = [...this.#items].sort((a, b) => a.seq - b.seq);
    if (filter.model !== undefined) out = out.filter((r) => r.model === filter.model);
    if (filter.path !== undefined) out = out.filter((r) => r.path === filter.path);
    if (filter.limit !== undefined) out = out.slice(-filter.limit);
    return out;
  }

  /** Empties the log (sequence numbers keep counting, so ids stay unique). */
  clear(): void {
    this.#items = [];
  }
}

/** Everything a running server holds. */
export class LlmState {
  config: LlmConfig;
  readonly scripts = new ScriptQueues();
  readonly faults = new FaultInjector();
  readonly cache = new PrefixCache();
  readonly log = new RequestLog();
  readonly #initial: LlmConfig;
  readonly #resetHooks: (() => void)[] = [];

  constructor(config: Partial<LlmConfig> = {}) {
    this.#initial = { ...DEFAULT_CONFIG, ...config };
    this.config = { ...this.#initial };
  }

  /** Runs `fn` after every {@link reset}, e.g. to restore start-time fault rules. */
  onReset(fn: () => void): void {
    this.#resetHooks.push(fn);
  }

  /** Back to the start: start-time config and faults, no scripts, empty log and cache. */
  reset(): void {
    this.config = { ...this.#initial };
    this.scripts.clear();
    this.faults.clear();
    this.cache.clear();
    this.log.clear();
    for (const fn of this.#resetHooks) fn();
  }
}
