/**
 * When a running task reports `task.progress`: after its first step (a REPL iteration or a tool result, at any
 * depth), then at most once per interval, so a subscriber sees a long task move without one delivery per step.
 */
import type { ServerFrame } from "../contracts/session";
import type { TaskProgress } from "./deliveries";

/** Twice a minute: often enough to show a long task is alive, rare enough to stay far below any rate limit. */
const PROGRESS_INTERVAL_MS = 30_000;

const STEP_KINDS: ReadonlySet<string> = new Set(["rlm_iteration", "tool_result"]);

/** Counts a task's steps from its logged frames and says when progress is due. */
export class ProgressTracker {
  #steps = 0;
  #budget: Record<string, unknown> | null = null;
  #lastReport: number | null = null;

  constructor(
    readonly startedAt: number,
    readonly intervalMs = PROGRESS_INTERVAL_MS,
  ) {}

  /** Takes each logged frame in order; returns the progress to report when a report is due. */
  observe(frame: Pick<ServerFrame, "seq" | "kind" | "data">, now: number): TaskProgress | null {
    if (frame.kind === "budget") this.#budget = frame.data as Record<string, unknown>;
    if (!STEP_KINDS.has(frame.kind)) return null;
    this.#steps++;
    if (this.#lastReport !== null && now - this.#lastReport < this.intervalMs) return null;
    this.#lastReport = now;
    return { lastEventSeq: frame.seq ?? 0, steps: this.#steps, budget: this.#budget, elapsedMs: now - this.startedAt };
  }
}
