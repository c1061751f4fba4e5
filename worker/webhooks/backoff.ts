/**
 * When to try an outbound webhook delivery again, as pure functions the delivery alarm calls after each attempt:
 * what a response means ({@link classifyDelivery}), and when the next attempt is due or that the delivery is dead
 * ({@link nextDelivery}). All times are epoch milliseconds, ready for `ctx.storage.setAlarm(at)`.
 */

/**
 * Ceiling of the first retry's wait. 30 s lets a receiver's restart or deploy finish without a flood of early
 * retries, and keeps the first redelivery quick enough that most blips cost well under a minute.
 */
export const BASE_DELAY_MS = 30_000;

/** Each attempt doubles the ceiling (30 s, 1 min, 2 min, …), which reaches the one-hour cap after the 8th attempt. */
export const BACKOFF_FACTOR = 2;

/**
 * Longest wait between two attempts, computed or asked for by `retry-after`. An hour means a receiver that recovers
 * waits at most that long for its backlog, while a dead one sees about two attempts an hour (full jitter averages half
 * the ceiling). A longer `retry-after` is shortened to this: one more attempt is cheaper than a day-old event.
 */
export const MAX_DELAY_MS = 60 * 60_000;

/**
 * Shortest wait, whatever the jitter draws or `retry-after` asks: a `retry-after: 0` loop would otherwise re-arm the
 * alarm at once, again and again.
 */
export const MIN_DELAY_MS = 1_000;

/**
 * How long after the first attempt a delivery is given up. A day covers a receiver that is down overnight or over
 * a long incident; past that the event is stale and belongs in the dead-letter log for a manual replay.
 */
export const RETRY_WINDOW_MS = 24 * 60 * 60_000;

/**
 * Backstop on attempts, independent of time: an average schedule makes ~55 attempts in the window, so 100 is only
 * reached by a run of tiny jitter draws or a receiver that keeps asking for very short `retry-after`s.
 */
export const MAX_ATTEMPTS = 100;

/**
 * Attempts allowed for a client error that is not obviously transient (400, 401, 403, 404, 422, a 3xx we do not
 * follow, …). Five attempts span up to ~7.5 min: enough to ride out a deploy that briefly 404s or a receiver that is
 * mid-way through a secret rotation, without spending a day on a request the receiver will never accept.
 */
export const CLIENT_ERROR_MAX_ATTEMPTS = 5;

/** What the outcome of one attempt means for the delivery. */
export type DeliveryVerdict =
  /** 2xx: done. */
  | "delivered"
  /** Transient: schedule another attempt with {@link nextDelivery}. */
  | "retry"
  /** The receiver will not accept this event: stop and record it in the dead-letter log. */
  | "dead_letter"
  /** 410 Gone: the receiver says the endpoint no longer exists; stop, and disable the subscription. */
  | "disable";

/**
 * True for outcomes that say "try later": no response at all (`null`: network error, DNS failure, timeout), 408
 * Request Timeout, 425 Too Early, 429 Too Many Requests and every 5xx. Other statuses are either success or a
 * verdict of the receiver's; see {@link classifyDelivery} for how those are treated.
 */
export function isRetryableStatus(status: number | null): boolean {
  return status === null || status === 408 || status === 425 || status === 429 || (status >= 500 && status <= 599);
}

/**
 * What an attempt's outcome means, given how many attempts have been made (counting this one).
 *
 * Decision on client errors: 410 Gone disables the subscription at once, since the receiver is telling us the
 * endpoint is permanently gone. Every other 4xx (and a 3xx, which we never follow, see `ssrf.ts`) is retried up to
 * {@link CLIENT_ERROR_MAX_ATTEMPTS} attempts in total and then dead-lettered: such statuses are often a receiver's
 * passing misconfiguration (a deploy, a rotated secret), but a receiver that keeps refusing will not change its mind
 * within a day, and retrying it for 24 h only fills its logs and ours.
 */
export function classifyDelivery(status: number | null, attempt: number): DeliveryVerdict {
  if (status !== null && status >= 200 && status <= 299) return "delivered";
  if (isRetryableStatus(status)) return "retry";
  if (status === 410) return "disable";
  return attempt < CLIENT_ERROR_MAX_ATTEMPTS ? "retry" : "dead_letter";
}

/** The state of a delivery right after a failed attempt. */
export interface NextDeliveryInput {
  /** Attempts made so far, counting the one that just failed (the first attempt is 1). */
  attempt: number;
  /** When the first attempt was made: the retry window counts from here. */
  firstAttemptAt: number;
  now: number;
  /** The receiver's `retry-after` header, verbatim: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
  retryAfter?: string | null;
  /** Uniform in [0, 1), injected so tests are deterministic; `Math.random` in production. */
  random: () => number;
}

/** When to try again, or why not. */
export type NextDelivery =
  | { action: "retry"; at: number }
  | { action: "dead_letter"; reason: "window_exhausted" | "max_attempts" };

/**
 * Schedules the next attempt: full-jitter exponential backoff (a uniform wait below `min(1 h, 30 s·2^(attempt-1))`,
 * which spreads out deliveries that failed together, as after a receiver outage), or the receiver's `retry-after`
 * when it gives one, clamped to [{@link MIN_DELAY_MS}, {@link MAX_DELAY_MS}]. The attempt never lands past the 24 h
 * window: one that would is moved to the window's end, so every delivery gets a last try before it is dead-lettered.
 * @example
 * const next = nextDelivery({ attempt, firstAttemptAt, now: Date.now(), retryAfter: res.headers.get("retry-after"), random: Math.random });
 * if (next.action === "retry") await ctx.storage.setAlarm(next.at);
 */
export function nextDelivery(input: NextDeliveryInput): NextDelivery {
  const deadline = input.firstAttemptAt + RETRY_WINDOW_MS;
  if (input.now >= deadline) return { action: "dead_letter", reason: "window_exhausted" };
  if (input.attempt >= MAX_ATTEMPTS) return { action: "dead_letter", reason: "max_attempts" };
  const asked = parseRetryAfter(input.retryAfter, input.now);
  const delay = asked ?? Math.floor(input.random() * backoffCeiling(input.attempt));
  const clamped = Math.min(MAX_DELAY_MS, Math.max(MIN_DELAY_MS, delay));
  return { action: "retry", at: Math.min(deadline, input.now + clamped) };
}

/** The full-jitter ceiling after `attempt` attempts: 30 s doubling per attempt, capped at an hour. */
export function backoffCeiling(attempt: number): number {
  // Capping the exponent first keeps 2 ** n finite for absurd attempt numbers.
  const exponent = Math.min(Math.max(0, attempt - 1), 32);
  return Math.min(MAX_DELAY_MS, BASE_DELAY_MS * BACKOFF_FACTOR ** exponent);
}

/**
 * A `retry-after` value in milliseconds from `now`, or `null` when absent or unparsable: delta-seconds (a
 * non-negative integer) or an HTTP date, of which a past one means "now" (0).
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  const text = value?.trim();
  if (!text) return null;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // All three HTTP-date forms start with a day name; without this check V8's lenient Date.parse reads "1.5" as 2001.
  if (!/^[A-Za-z]{3}/.test(text)) return null;
  // HTTP dates are always UTC; asctime's form omits the zone, and Date.parse would read it as local time.
  const at = Date.parse(/GMT$/.test(text) ? text : `${text} GMT`);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
