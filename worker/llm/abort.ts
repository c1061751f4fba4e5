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

/** A signal for one attempt: aborted by the caller's signal or by the attempt's own timer. */
export interface AttemptSignal {
  signal: AbortSignal;
  /** True when the attempt's timer (not the caller) aborted it. */
  timedOut(): boolean;
}

/**
 * A signal that aborts when `parent` does or after `timeoutMs`. Both are native signals (`AbortSignal.timeout` and
 * `AbortSignal.any`): a JavaScript timer per call shows up in a fan-out's CPU profile, and there is nothing to clean
 * clear afterwards.
 */
export function attemptSignal(parent: AbortSignal | undefined, timeoutMs: number): AttemptSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return {
    signal: parent ? AbortSignal.any([parent, timeout]) : timeout,
    timedOut: () => timeout.aborted && !parent?.aborted,
  };
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
