/**
 * The fair queue with the leases that make it safe when holders die, pure: a granted slot is reclaimed when its
 * lease runs out, a grant its holder has not seen yet must be confirmed by the holder's next ask, and a waiter that
 * stopped asking leaves the queue. `SandboxAdmissionDO` keeps its state and runs `expire` from its alarm.
 */
import { type Admission, FairQueue, type FairQueueState } from "./fair-queue";

/** A waiter asks again every second; one silent this long has gone (its run ended or its host restarted). */
export const WAITER_STALE_MS = 15_000;

export interface SlotLeasesState {
  queue: FairQueueState;
  /**
   * Holder → when its slot is reclaimed if never released (a run that died holding it), and whether the holder has
   * seen its grant: one granted while it was between asks has until {@link WAITER_STALE_MS} to ask again.
   */
  held: Record<string, { until: number; confirmed: boolean }>;
  /** Waiting holder → when it last asked. */
  seen: Record<string, number>;
}

export class SlotLeases {
  readonly #queue: FairQueue;
  readonly #held: SlotLeasesState["held"];
  readonly #seen: SlotLeasesState["seen"];

  constructor(capacity: number, state?: SlotLeasesState) {
    this.#queue = new FairQueue({ capacity }, state?.queue);
    this.#held = { ...state?.held };
    this.#seen = { ...state?.seen };
  }

  state(): SlotLeasesState {
    return { queue: this.#queue.state(), held: { ...this.#held }, seen: { ...this.#seen } };
  }

  /** Asks for a slot for `holder` (idempotent): granted, or the place in the queue. */
  acquire(request: { holder: string; tenant: string; leaseMs: number }, now: number): Admission {
    const admission = this.#queue.request({ holder: request.holder, tenant: request.tenant, at: now });
    if (admission.granted) {
      if (!this.#held[request.holder]?.confirmed) {
        this.#held[request.holder] = { until: now + request.leaseMs, confirmed: true };
      }
      delete this.#seen[request.holder];
    } else {
      this.#seen[request.holder] = now;
    }
    return admission;
  }

  release(holder: string, now: number): void {
    delete this.#held[holder];
    this.#grantedNow(this.#queue.release(holder), now);
  }

  /** Leaves the queue, or gives the slot back when it was granted meanwhile. */
  cancel(holder: string, now: number): void {
    if (this.#queue.holds(holder)) {
      this.release(holder, now);
      return;
    }
    this.#queue.cancel(holder);
    delete this.#seen[holder];
  }

  /** Drops waiters that stopped asking, then reclaims slots whose lease ran out. */
  expire(now: number): void {
    // Waiters first, so a reclaimed slot never goes to one of them.
    for (const [holder, seen] of Object.entries(this.#seen)) {
      if (now - seen > WAITER_STALE_MS) this.cancel(holder, now);
    }
    for (const [holder, { until }] of Object.entries(this.#held)) {
      if (until <= now) this.release(holder, now);
    }
  }

  /** When `expire` next has something to do, or undefined. */
  nextDue(): number | undefined {
    const due = [
      ...Object.values(this.#held).map((h) => h.until),
      ...Object.values(this.#seen).map((t) => t + WAITER_STALE_MS),
    ];
    return due.length > 0 ? Math.min(...due) : undefined;
  }

  status(): { inUse: number; queued: number } {
    return { inUse: this.#queue.inUse, queued: this.#queue.queued };
  }

  /** Granted between their holders' asks: the next ask confirms each, or the slot is reclaimed. */
  #grantedNow(granted: Array<{ holder: string }>, now: number) {
    for (const { holder } of granted) {
      delete this.#seen[holder];
      this.#held[holder] = { until: now + WAITER_STALE_MS, confirmed: false };
    }
  }
}
