import { describe, expect, it } from "vitest";
import { SlotLeases, WAITER_STALE_MS } from "./slot-leases";

describe("SlotLeases", () => {
  it("reclaims an expired lease for a live waiter, never for one that stopped asking", () => {
    const slots = new SlotLeases(1);
    expect(slots.acquire({ holder: "dead", tenant: "A", leaseMs: 10 }, 0).granted).toBe(true);
    slots.acquire({ holder: "gone", tenant: "B", leaseMs: 1_000 }, 0);
    slots.acquire({ holder: "alive", tenant: "C", leaseMs: 1_000 }, WAITER_STALE_MS);
    slots.expire(WAITER_STALE_MS + 1);
    // "gone" stopped asking and left; the slot went to "alive", which confirms it by asking.
    expect(slots.status()).toEqual({ inUse: 1, queued: 0 });
    expect(slots.acquire({ holder: "alive", tenant: "C", leaseMs: 1_000 }, WAITER_STALE_MS + 2)).toEqual({
      granted: true,
    });
    expect(slots.nextDue()).toBe(WAITER_STALE_MS + 2 + 1_000);
  });

  it("rebuilds from its state, and drops an unconfirmed grant after the stale time", () => {
    const slots = new SlotLeases(1);
    slots.acquire({ holder: "a", tenant: "A", leaseMs: 60_000 }, 0);
    slots.acquire({ holder: "b", tenant: "B", leaseMs: 60_000 }, 0);
    slots.release("a", 1);
    const copy = new SlotLeases(1, slots.state());
    expect(copy.status()).toEqual({ inUse: 1, queued: 0 });
    copy.expire(1 + WAITER_STALE_MS);
    expect(copy.status()).toEqual({ inUse: 0, queued: 0 });
  });
});
