/**
 * A coalescing throttle: `poke()` as often as you like, `publish` runs at most once per `intervalMs`, always once more
 * after the last poke (trailing edge), and never twice at the same time. The budget gauge uses it so a fan-out of
 * hundreds of sub-calls moves the gauge every interval instead of sending a frame per call or none until the end.
 */

/** The clock and timer a {@link coalesce}r runs on; injected so tests run without real time. */
export interface CoalesceTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The handle {@link coalesce} returns. */
export interface Coalescer {
  /** Asks for a publish within the interval; pokes in between are merged into one. */
  poke(): void;
  /** Publishes now (after any publish in flight), cancelling a pending one. */
  flush(): Promise<void>;
}

const REAL_TIMERS: CoalesceTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  // SAFETY: handles only ever come from the setTimeout above.
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Wraps `publish` (whose failures are the caller's to swallow) in a throttle of `intervalMs`. */
export function coalesce(
  publish: () => Promise<void>,
  intervalMs: number,
  timers: CoalesceTimers = REAL_TIMERS,
): Coalescer {
  let last = Number.NEGATIVE_INFINITY;
  let pending: unknown = null;
  let running: Promise<void> = Promise.resolve();
  const run = (): Promise<void> => {
    pending = null;
    last = timers.now();
    running = running.then(publish, publish);
    return running;
  };
  return {
    poke() {
      if (pending !== null) return;
      const wait = Math.max(0, last + intervalMs - timers.now());
      // A failed publish is the caller's to report; the next poke tries again.
      pending = timers.setTimeout(() => void run().catch(() => {}), wait);
    },
    flush() {
      if (pending !== null) timers.clearTimeout(pending);
      return run();
    },
  };
}
