/**
 * Cancellation for LLM calls. A caller's abort is not a failure: the gateway throws an `Error` named `"AbortError"`
 * (the name `fetch` uses), never an {@link AppError}, so callers tell "I cancelled it" from "it broke" by one field.
 */

/** The error a cancelled call throws: name `"AbortError"`, the signal's reason as `cause`. */
export function abortError(reason?: unknown): Error {
  const error = new Error("The LLM call was aborted", { cause: reason });
  error.name = "AbortError";
  return error;
}

/** True for a cancellation (ours, or a platform `AbortError`). Reads the `name` field, so it survives RPC. */
export function isAbortError(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as { name?: unknown }).name === "AbortError";
}

/**
 * A signal for one attempt: aborted by the caller's signal or by the attempt's time limit (`./attempt-clock.ts`). Not
 * `AbortSignal.timeout`: its timer cannot be cleared, so every call would leave one pending for the whole attempt
 * timeout, and pending timers keep a Durable Object from being evicted (the session eviction test hangs with them).
 */
export interface AttemptSignal {
  signal: AbortSignal;
  /** True when the attempt's timer (not the caller) aborted it. */
  timedOut(): boolean;
  /** Stops the timer and unlinks from the caller's signal. */
  dispose(): void;
}

/** Resolves after `ms`; rejects with {@link abortError} as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal.reason));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
