/**
 * Attempt time limits for one gateway served by one timer. A timer per call (set, then cleared when the answer
 * comes) was the largest cost left on the sub-call path in a workerd profile of the fan-out floor: under
 * `nodejs_compat` every `setTimeout`/`clearTimeout` builds and tears down a Node `Timeout`. Calls end long before
 * their limit, so one timer armed at the earliest deadline rarely fires; it is cleared when nothing is in flight, so
 * no pending timer keeps a Durable Object from being evicted.
 */
import type { AttemptSignal } from "./abort";

interface Entry {
  due: number;
  expire(): void;
}

/** The clock's I/O: the gateway passes the platform's timers; tests pass their own. */
export interface ClockIo {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

const PLATFORM: ClockIo = {
  now: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Hands out attempt signals whose deadlines share one timer. */
export class AttemptClock {
  readonly #io: ClockIo;
  readonly #entries = new Set<Entry>();
  #timer: unknown;
  #armedFor = Number.POSITIVE_INFINITY;

  constructor(io: ClockIo = PLATFORM) {
    this.#io = io;
  }

  /** Attempts in flight (for tests). */
  get pending(): number {
    return this.#entries.size;
  }

  /**
   * A controller linked to `parent` and aborted after `timeoutMs`, like a timer of its own; {@link AttemptSignal.dispose}
   * takes it off the clock and unlinks it from `parent`.
   */
  attempt(parent: AbortSignal | undefined, timeoutMs: number): AttemptSignal {
    const controller = new AbortController();
    let expired = false;
    const onParentAbort = () => controller.abort(parent?.reason);
    parent?.addEventListener("abort", onParentAbort, { once: true });
    if (parent?.aborted) onParentAbort();
    const entry: Entry = {
      due: this.#io.now() + timeoutMs,
      expire() {
        expired = true;
        controller.abort(new Error(`LLM attempt timed out after ${timeoutMs} ms`));
      },
    };
    this.#entries.add(entry);
    if (entry.due < this.#armedFor) this.#arm(entry.due);
    return {
      signal: controller.signal,
      timedOut: () => expired && !parent?.aborted,
      dispose: () => {
        parent?.removeEventListener("abort", onParentAbort);
        this.#entries.delete(entry);
        if (this.#entries.size === 0) this.#disarm();
      },
    };
  }

  #arm(due: number): void {
    this.#disarm();
    this.#armedFor = due;
    this.#timer = this.#io.setTimer(() => this.#fire(), Math.max(0, due - this.#io.now()));
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#io.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
  }

  /** Expires what is due and re-arms for the earliest deadline left (a scan: it runs about once per time limit). */
  #fire(): void {
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const now = this.#io.now();
    let next = Number.POSITIVE_INFINITY;
    for (const entry of this.#entries) {
      if (entry.due <= now) {
        this.#entries.delete(entry);
        entry.expire();
      } else if (entry.due < next) {
        next = entry.due;
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next);
  }
}
