import { describe, expect, it } from "vitest";
import { planRefill, REFILL_BATCH, takeOne, type WarmSandbox } from "./warm-pool";

const MAX_AGE = 600_000;
const at = (id: string, readyAt: number): WarmSandbox => ({ id, secret: `s-${id}`, readyAt });

describe("takeOne", () => {
  it("hands out the oldest fresh sandbox and never an expired one", () => {
    const entries = [at("old", 0), at("a", 500_000), at("b", 550_000)];
    const { taken, rest } = takeOne(entries, 650_000, MAX_AGE);
    expect(taken?.id).toBe("a");
    expect(rest.map((e) => e.id)).toEqual(["old", "b"]);
    expect(takeOne([at("old", 0)], 650_000, MAX_AGE).taken).toBeUndefined();
    expect(takeOne([], 0, MAX_AGE).taken).toBeUndefined();
  });
});

describe("planRefill", () => {
  it("fills up to the target, counting creates under way, and expires the old", () => {
    const plan = planRefill([at("old", 0), at("a", 100_000)], 1, 650_000, { target: 4, maxAgeMs: MAX_AGE });
    expect(plan.expired.map((e) => e.id)).toEqual(["old"]);
    expect(plan.keep.map((e) => e.id)).toEqual(["a"]);
    expect(plan.create).toBe(2);
    expect(plan.nextAt).toBe(100_000 + MAX_AGE);
  });

  it("creates in batches and comes back at once for the rest", () => {
    const plan = planRefill([], 0, 1_000, { target: REFILL_BATCH + 3, maxAgeMs: MAX_AGE });
    expect(plan.create).toBe(REFILL_BATCH);
    expect(plan.nextAt).toBe(1_000);
  });

  it("does nothing when the pool is off or full", () => {
    expect(planRefill([], 0, 0, { target: 0, maxAgeMs: MAX_AGE })).toEqual({
      expired: [],
      keep: [],
      create: 0,
      nextAt: undefined,
    });
    const full = planRefill([at("a", 0), at("b", 10)], 0, 20, { target: 2, maxAgeMs: MAX_AGE });
    expect(full.create).toBe(0);
    expect(full.nextAt).toBe(MAX_AGE);
  });
});
