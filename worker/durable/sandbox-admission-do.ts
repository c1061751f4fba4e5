import { DurableObject } from "cloudflare:workers";
import { type Admission, FairQueue, type FairQueueState } from "../capacity/fair-queue";
import { admissionCapacity } from "../sandbox/slots";

const STATE_KEY = "queue";
const LEASES_KEY = "leases";
/** A waiter asks again every second; one silent this long has gone (its run ended or its host restarted). */
export const WAITER_STALE_MS = 15_000;

interface Leases {
  /**
   * Holder → when its slot is reclaimed if never released (a run that died holding it), and whether the holder has
   * seen its grant: one granted while it was between asks has until {@link WAITER_STALE_MS} to ask again.
   */
  held: Record<string, { until: number; confirmed: boolean }>;
  /** Waiting holder → when it last asked. */
  seen: Record<string, number>;
}

/**
 * One per deployment: the Daytona organisation's concurrent sandboxes (`SANDBOX_CAPACITY`), shared fairly between
 * tenants. Runs and children ask for a slot before they create a sandbox; with none free they wait in the fair queue
 * (`worker/capacity/fair-queue.ts`) and ask again until granted. One alarm reclaims slots whose holder died and drops
 * waiters that stopped asking.
 */
export class SandboxAdmissionDO extends DurableObject<Env> {
  readonly #queue: FairQueue;
  readonly #leases: Leases;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const { kv } = ctx.storage;
    const capacity = admissionCapacity(env) ?? Number.POSITIVE_INFINITY;
    this.#queue = new FairQueue({ capacity }, kv.get<FairQueueState>(STATE_KEY));
    this.#leases = kv.get<Leases>(LEASES_KEY) ?? { held: {}, seen: {} };
  }

  /** Asks for a slot for `holder` (idempotent): granted, or the place in the queue. */
  async acquire(request: { holder: string; tenant: string; leaseMs: number }): Promise<Admission> {
    const now = Date.now();
    const admission = this.#queue.request({ holder: request.holder, tenant: request.tenant, at: now });
    if (admission.granted) {
      if (!this.#leases.held[request.holder]?.confirmed) {
        this.#leases.held[request.holder] = { until: now + request.leaseMs, confirmed: true };
      }
      delete this.#leases.seen[request.holder];
    } else {
      this.#leases.seen[request.holder] = now;
    }
    await this.#save();
    return admission;
  }

  async release(holder: string): Promise<void> {
    delete this.#leases.held[holder];
    this.#grantedNow(this.#queue.release(holder).map((r) => r.holder));
    await this.#save();
  }

  /** Leaves the queue, or gives the slot back when it was granted meanwhile. */
  async cancel(holder: string): Promise<void> {
    if (this.#queue.holds(holder)) return this.release(holder);
    this.#queue.cancel(holder);
    delete this.#leases.seen[holder];
    await this.#save();
  }

  status(): { inUse: number; queued: number } {
    return { inUse: this.#queue.inUse, queued: this.#queue.queued };
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    // Waiters that stopped asking leave first, so a reclaimed slot never goes to one of them.
    for (const [holder, seen] of Object.entries(this.#leases.seen)) {
      if (now - seen > WAITER_STALE_MS) {
        this.#queue.cancel(holder);
        delete this.#leases.seen[holder];
      }
    }
    for (const [holder, { until }] of Object.entries(this.#leases.held)) {
      if (until <= now) {
        delete this.#leases.held[holder];
        this.#grantedNow(this.#queue.release(holder).map((r) => r.holder));
      }
    }
    await this.#save();
  }

  /** Granted between their holder's asks: the next ask confirms it, or the slot is reclaimed. */
  #grantedNow(holders: string[]) {
    for (const holder of holders) {
      delete this.#leases.seen[holder];
      this.#leases.held[holder] = { until: Date.now() + WAITER_STALE_MS, confirmed: false };
    }
  }

  async #save(): Promise<void> {
    this.ctx.storage.kv.put(STATE_KEY, this.#queue.state());
    this.ctx.storage.kv.put(LEASES_KEY, this.#leases);
    const due = [
      ...Object.values(this.#leases.held).map((h) => h.until),
      ...Object.values(this.#leases.seen).map((t) => t + WAITER_STALE_MS),
    ];
    if (due.length > 0) await this.ctx.storage.setAlarm(Math.min(...due));
  }
}
