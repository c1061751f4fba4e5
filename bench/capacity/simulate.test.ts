import { describe, expect, it } from "vitest";
import { TIER1_SCENARIO, workload } from "./model";
import { fairShares, jain, simulate } from "./simulate";

describe("the capacity simulation", () => {
  const runs = workload(TIER1_SCENARIO.tenants, 1, 7);

  it("is deterministic for a seed and differs between seeds", () => {
    expect(workload(TIER1_SCENARIO.tenants, 1, 7)).toEqual(runs);
    expect(workload(TIER1_SCENARIO.tenants, 1, 8)).not.toEqual(runs);
    expect(simulate(runs, TIER1_SCENARIO, "fair")).toEqual(simulate(runs, TIER1_SCENARIO, "fair"));
  });

  it("accounts for every run and never holds more sandboxes than there are", () => {
    for (const policy of ["fail", "fifo", "fair", "fair-wait"] as const) {
      const o = simulate(runs, TIER1_SCENARIO, policy);
      expect(o.peak).toBeLessThanOrEqual(TIER1_SCENARIO.capacity);
      for (const t of o.tenants) expect(t.completed + t.failed).toBe(t.submitted);
      expect(o.tenants.reduce((a, t) => a + t.submitted, 0)).toBe(runs.length);
    }
  });

  it("fails runs that find no sandbox today, and degrades children instead under the fair queue", () => {
    const today = simulate(runs, TIER1_SCENARIO, "fail");
    const fair = simulate(runs, TIER1_SCENARIO, "fair");
    expect(today.tenants.some((t) => t.failedChildren > 0)).toBe(true);
    expect(fair.tenants.every((t) => t.failedChildren === 0)).toBe(true);
    expect(fair.tenants.some((t) => t.degradedChildren > 0)).toBe(true);
  });
});

describe("fair shares", () => {
  it("water-fills: small demands are met, the rest split the remainder evenly", () => {
    expect(fairShares([10, 50, 100], 90)).toEqual([10, 40, 40]);
    expect(fairShares([10, 20], 100)).toEqual([10, 20]);
    expect(fairShares([0, 30], 20)).toEqual([0, 20]);
  });

  it("scores equal ratios 1 and one tenant with everything 1/n", () => {
    expect(jain([1, 1, 1, 1])).toBe(1);
    expect(jain([4, 0, 0, 0])).toBe(0.25);
  });
});
