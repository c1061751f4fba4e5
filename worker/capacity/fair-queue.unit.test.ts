import { describe, expect, it } from "vitest";
import { FairQueue } from "./fair-queue";

const req = (holder: string, tenant: string, at: number) => ({ holder, tenant, at });

describe("FairQueue", () => {
  it("grants while slots are free, then queues with a position", () => {
    const q = new FairQueue({ capacity: 2 });
    expect(q.request(req("a1", "A", 0))).toEqual({ granted: true });
    expect(q.request(req("a2", "A", 1))).toEqual({ granted: true });
    expect(q.request(req("a3", "A", 2))).toEqual({ granted: false, position: 1 });
    expect(q.request(req("b1", "B", 3))).toEqual({ granted: false, position: 1 });
    // B holds nothing, so it goes first though it asked later.
    expect(q.position("a3")).toBe(2);
    expect(q.request(req("a3", "A", 2))).toEqual({ granted: false, position: 2 });
  });

  it("gives a freed slot to the tenant holding the fewest, first come first served within a tenant", () => {
    const q = new FairQueue({ capacity: 4 });
    for (let i = 0; i < 4; i++) q.request(req(`a${i}`, "A", i));
    for (let i = 4; i < 20; i++) q.request(req(`a${i}`, "A", i)); // A's fan-out of 16 more waits
    q.request(req("b0", "B", 30));
    q.request(req("b1", "B", 31));
    q.request(req("c0", "C", 32));
    expect(q.release("a0").map((r) => r.holder)).toEqual(["b0"]);
    expect(q.release("a1").map((r) => r.holder)).toEqual(["c0"]);
    // A holds 2 of them, B 1, C 1: B's next goes before any more of A's.
    expect(q.position("b1")).toBe(1);
    // A freeing one more ties it with B at 1: the earlier request (A's) goes first.
    expect(q.release("a2").map((r) => r.holder)).toEqual(["a4"]);
    expect(q.release("b0").map((r) => r.holder)).toEqual(["b1"]);
    expect(q.heldBy("A")).toBe(2);
  });

  it("keeps a tenant to its own limit even with slots free, and lets others use them", () => {
    const q = new FairQueue({ capacity: 10, tenantLimit: (t) => (t === "A" ? 2 : undefined) });
    expect(q.request(req("a1", "A", 0)).granted).toBe(true);
    expect(q.request(req("a2", "A", 1)).granted).toBe(true);
    expect(q.request(req("a3", "A", 2))).toEqual({ granted: false, position: 1 });
    expect(q.request(req("b1", "B", 3)).granted).toBe(false); // behind the queue, but eligible
    expect(q.release("a1").map((r) => r.holder)).toEqual(["b1", "a3"]);
  });

  it("drops a cancelled request and grants nothing twice", () => {
    const q = new FairQueue({ capacity: 1 });
    q.request(req("a1", "A", 0));
    q.request(req("b1", "B", 1));
    q.request(req("c1", "C", 2));
    expect(q.cancel("b1")).toBe(true);
    expect(q.cancel("b1")).toBe(false);
    expect(q.position("c1")).toBe(1);
    expect(q.release("a1").map((r) => r.holder)).toEqual(["c1"]);
    expect(q.release("a1")).toEqual([]);
    expect(q.request(req("c1", "C", 2))).toEqual({ granted: true });
    expect(q.inUse).toBe(1);
    expect(q.queued).toBe(0);
  });

  it("grants what fits when the capacity grows", () => {
    const q = new FairQueue({ capacity: 1 });
    q.request(req("a1", "A", 0));
    q.request(req("a2", "A", 1));
    q.request(req("b1", "B", 2));
    expect(q.resize(3).map((r) => r.holder)).toEqual(["b1", "a2"]);
  });
});
