/**
 * Fair sharing of a fixed number of slots (sandboxes the Daytona organisation can run at once) between tenants,
 * pure. A request is granted at once while a slot is free and its tenant is under its own limit; otherwise it waits.
 * A freed slot goes to the waiting tenant holding the fewest slots (max-min fairness), first come first served within
 * a tenant, so one tenant's fan-out cannot starve the others and an idle deployment still gives one tenant all it has.
 */

export interface SlotRequest {
  holder: string;
  tenant: string;
  /** When it asked, ms; orders requests within a tenant and breaks ties between tenants. */
  at: number;
}

export type Admission = { granted: true } | { granted: false; position: number };

export interface FairQueueOptions {
  capacity: number;
  /** The most slots one tenant may hold at once (its plan's), or undefined for no limit beyond capacity. */
  tenantLimit?: (tenant: string) => number | undefined;
}

export class FairQueue {
  readonly #holders = new Map<string, string>();
  readonly #held = new Map<string, number>();
  #waiting: SlotRequest[] = [];

  constructor(private readonly options: FairQueueOptions) {}

  get inUse(): number {
    return this.#holders.size;
  }

  get queued(): number {
    return this.#waiting.length;
  }

  /** Slots `tenant` holds now. */
  heldBy(tenant: string): number {
    return this.#held.get(tenant) ?? 0;
  }

  /** Grants a slot, or queues the request and says where it stands; asking again for a holder is idempotent. */
  request(req: SlotRequest): Admission {
    if (this.#holders.has(req.holder)) return { granted: true };
    const waiting = this.#waiting.some((w) => w.holder === req.holder);
    if (!waiting) {
      if (this.#waiting.length === 0 && this.#canHold(req.tenant, this.#held)) {
        this.#grant(req);
        return { granted: true };
      }
      this.#waiting.push(req);
    }
    return { granted: false, position: this.position(req.holder) ?? this.#waiting.length };
  }

  /** Frees `holder`'s slot; returns the requests granted in its place, in order. */
  release(holder: string): SlotRequest[] {
    const tenant = this.#holders.get(holder);
    if (tenant === undefined) return [];
    this.#holders.delete(holder);
    this.#held.set(tenant, this.heldBy(tenant) - 1);
    return this.#drain();
  }

  /** Leaves the queue (a cancelled or expired run); false when `holder` was not waiting. */
  cancel(holder: string): boolean {
    const before = this.#waiting.length;
    this.#waiting = this.#waiting.filter((w) => w.holder !== holder);
    return this.#waiting.length < before;
  }

  /** 1-based place in the order the queue would grant if slots freed one at a time; undefined when not waiting. */
  position(holder: string): number | undefined {
    const held = new Map(this.#held);
    const rest = [...this.#waiting];
    for (let place = 1; rest.length > 0; place++) {
      const next = pickNext(rest, held, () => true);
      if (!next) return undefined;
      if (next.holder === holder) return place;
      rest.splice(rest.indexOf(next), 1);
      held.set(next.tenant, (held.get(next.tenant) ?? 0) + 1);
    }
    return undefined;
  }

  /** Capacity changed (e.g. the organisation's tier); grants what now fits. */
  resize(capacity: number): SlotRequest[] {
    this.options.capacity = capacity;
    return this.#drain();
  }

  #drain(): SlotRequest[] {
    const granted: SlotRequest[] = [];
    while (this.#holders.size < this.options.capacity) {
      const next = pickNext(this.#waiting, this.#held, (t) => this.#canHold(t, this.#held));
      if (!next) break;
      this.#waiting.splice(this.#waiting.indexOf(next), 1);
      this.#grant(next);
      granted.push(next);
    }
    return granted;
  }

  #canHold(tenant: string, held: ReadonlyMap<string, number>): boolean {
    if (this.#holders.size >= this.options.capacity) return false;
    const limit = this.options.tenantLimit?.(tenant);
    return limit === undefined || (held.get(tenant) ?? 0) < limit;
  }

  #grant(req: SlotRequest) {
    this.#holders.set(req.holder, req.tenant);
    this.#held.set(req.tenant, this.heldBy(req.tenant) + 1);
  }
}

/** The head request of the eligible tenant holding the fewest slots; ties go to the earliest head. */
function pickNext(
  waiting: readonly SlotRequest[],
  held: ReadonlyMap<string, number>,
  eligible: (tenant: string) => boolean,
): SlotRequest | undefined {
  let best: SlotRequest | undefined;
  const seen = new Set<string>();
  for (const req of waiting) {
    if (seen.has(req.tenant)) continue; // only each tenant's first request competes
    seen.add(req.tenant);
    if (!eligible(req.tenant)) continue;
    if (!best) {
      best = req;
      continue;
    }
    const mine = held.get(req.tenant) ?? 0;
    const theirs = held.get(best.tenant) ?? 0;
    if (mine < theirs || (mine === theirs && req.at < best.at)) best = req;
  }
  return best;
}
