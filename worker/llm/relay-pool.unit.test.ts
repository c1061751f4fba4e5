import { describe, expect, it } from "vitest";
import { RelayPool } from "./relay-pool";

describe("RelayPool", () => {
  it("never puts more than `width` calls on one relay and adds relays only when all are full", () => {
    const pool = new RelayPool(6);
    const taken = Array.from({ length: 64 }, () => pool.acquire());
    expect(pool.size).toBe(11);
    expect(Math.max(...pool.loads)).toBe(6);
    expect(pool.loads.reduce((a, b) => a + b, 0)).toBe(64);
    for (const i of taken.slice(0, 30)) pool.release(i);
    // Freed slots are reused before any new relay is made.
    for (let k = 0; k < 30; k++) pool.acquire();
    expect(pool.size).toBe(11);
    expect(Math.max(...pool.loads)).toBeLessThanOrEqual(6);
  });

  it("spreads calls over idle relays instead of stacking them on the first", () => {
    const pool = new RelayPool(6);
    for (let k = 0; k < 12; k++) pool.acquire();
    for (let k = 0; k < 6; k++) pool.release(0);
    pool.release(1);
    expect(pool.acquire()).toBe(0);
    expect(pool.acquire()).toBe(0);
    expect(pool.loads).toEqual([2, 5]);
  });

  it("refuses a release without a matching acquire and a width below one", () => {
    const pool = new RelayPool(2);
    expect(() => pool.release(0)).toThrow(RangeError);
    pool.acquire();
    pool.release(0);
    expect(() => pool.release(0)).toThrow(/no call in flight/);
    expect(() => new RelayPool(0)).toThrow(RangeError);
    expect(() => new RelayPool(1.5)).toThrow(RangeError);
  });
});
