import { DurableObject } from "cloudflare:workers";
import type { Admission } from "../capacity/fair-queue";
import { SlotLeases, type SlotLeasesState } from "../capacity/slot-leases";
import { admissionCapacity } from "../sandbox/slots";

export { WAITER_STALE_MS } from "../capacity/slot-leases";

const STATE_KEY = "slots";

/**
 * One per deployment: the Daytona organisation's concurrent sandboxes (`SANDBOX_CAPACITY`), shared fairly between
 * tenants. Runs and children ask for a slot before they create a sandbox; with none free they wait in the fair queue
 * and ask again until granted. The bookkeeping is `worker/capacity/slot-leases.ts`; one alarm runs its expiry.
 */
export class SandboxAdmissionDO extends DurableObject<Env> {
  readonly #slots: SlotLeases;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const capacity = admissionCapacity(env) ?? Number.POSITIVE_INFINITY;
    this.#slots = new SlotLeases(capacity, ctx.storage.kv.get<SlotLeasesState>(STATE_KEY));
  }

  /** Asks for a slot for `holder` (idempotent): granted, or the place in the queue. */
  async acquire(request: { holder: string; tenant: string; leaseMs: number }): Promise<Admission> {
    const admission = this.#slots.acquire(request, Date.now());
    await this.#save();
    return admission;
  }

  async release(holder: string): Promise<void> {
    this.#slots.release(holder, Date.now());
    await this.#save();
  }

  /** Leaves the queue, or gives the slot back when it was granted meanwhile. */
  async cancel(holder: string): Promise<void> {
    this.#slots.cancel(holder, Date.now());
    await this.#save();
  }

  status(): { inUse: number; queued: number } {
    return this.#slots.status();
  }

  override async alarm(): Promise<void> {
    this.#slots.expire(Date.now());
    await this.#save();
  }

  async #save(): Promise<void> {
    this.ctx.storage.kv.put(STATE_KEY, this.#slots.state());
    const due = this.#slots.nextDue();
    if (due !== undefined) await this.ctx.storage.setAlarm(due);
  }
}
