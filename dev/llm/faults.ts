import type { ErrorReply } from "./types";

/** "Fail the next `count` requests (to `model`, if given) with `status`." */
export interface FailNextRule {
  count: number;
  status: number;
  message?: string;
  /** Seconds for `retry-after`; 429 and 503 get 1 s when unset. */
  retryAfter?: number;
  /** Only requests for this model; a trailing `*` matches a prefix (`scripted:*`). */
  model?: string;
  /**
   * Sent as `location`, with a 3xx `status`: a redirect to somewhere else, to check that a client does not follow it
   * with the prompt (the Worker must not).
   */
  location?: string;
}

/** "Fail each request with probability `probability`", drawn from a seeded generator so runs repeat exactly. */
export interface FailRateRule {
  probability: number;
  status: number;
  seed: number;
  message?: string;
  retryAfter?: number;
  model?: string;
}

/** What `GET /__admin/faults` shows. */
export interface FaultsSnapshot {
  next: FailNextRule[];
  rate: FailRateRule | null;
}

/**
 * mulberry32: a tiny, well-mixed 32-bit PRNG. Used instead of `Math.random` so a seeded failure rate fails the same
 * requests (by arrival order) on every run.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function matches(pattern: string | undefined, model: string): boolean {
  if (pattern === undefined) return true;
  return pattern.endsWith("*") ? model.startsWith(pattern.slice(0, -1)) : model === pattern;
}

function toError(rule: { status: number; message?: string; retryAfter?: number; location?: string }): ErrorReply {
  const retryAfter = rule.retryAfter ?? (rule.status === 429 || rule.status === 503 ? 1 : undefined);
  return { kind: "error", status: rule.status, message: rule.message, retryAfter, location: rule.location };
}

/**
 * Failure injection. `fail-next` rules are consumed first, in the order they were added; then the seeded rate.
 */
export class FaultInjector {
  #next: FailNextRule[] = [];
  #rate: FailRateRule | null = null;
  #rng: () => number = Math.random;

  /** Queues a "fail the next N" rule. */
  failNext(rule: FailNextRule): void {
    if (rule.count > 0) this.#next.push({ ...rule });
  }

  /** Sets (or, with `null` or probability 0, clears) the random failure rate. */
  failRate(rule: FailRateRule | null): void {
    this.#rate = rule && rule.probability > 0 ? { ...rule } : null;
    if (this.#rate) this.#rng = mulberry32(this.#rate.seed);
  }

  /** Decides the fate of one request: an error to send, or `null` to serve it. */
  draw(model: string): ErrorReply | null {
    const i = this.#next.findIndex((r) => matches(r.model, model));
    const rule = this.#next[i];
    if (rule) {
      rule.count -= 1;
      if (rule.count <= 0) this.#next.splice(i, 1);
      return toError(rule);
    }
    const rate = this.#rate;
    if (rate && matches(rate.model, model) && this.#rng() < rate.probability) return toError(rate);
    return null;
  }

  /** Current rules, for the admin API. */
  snapshot(): FaultsSnapshot {
    return { next: this.#next.map((r) => ({ ...r })), rate: this.#rate && { ...this.#rate } };
  }

  /** Removes every rule. */
  clear(): void {
    this.#next = [];
    this.#rate = null;
  }
}
