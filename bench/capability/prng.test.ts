import { describe, expect, it } from "vitest";
import { createRng, deriveSeed } from "./prng";

const draw = (seed: number, n = 8) => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng.next());
};

describe("createRng", () => {
  it("repeats the same stream for the same seed and differs across seeds", () => {
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw(2 ** 40)).not.toEqual(draw(0));
  });

  it("keeps values in range and roughly uniform", () => {
    const rng = createRng(7);
    const values = Array.from({ length: 20_000 }, () => rng.next());
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(values.reduce((a, b) => a + b, 0) / values.length).toBeCloseTo(0.5, 1);
    const ints = Array.from({ length: 5_000 }, () => rng.int(3, 5));
    expect(new Set(ints)).toEqual(new Set([3, 4, 5]));
  });

  it("shuffles into a permutation and picks members", () => {
    const rng = createRng(1);
    const items = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = rng.shuffle(items);
    expect(shuffled).not.toEqual(items);
    expect([...shuffled].sort((a, b) => a - b)).toEqual(items);
    expect(items).toContain(rng.pick(items));
  });

  it("rejects unusable seeds and ranges", () => {
    expect(() => createRng(1.5)).toThrow(RangeError);
    expect(() => createRng(1).int(5, 3)).toThrow(RangeError);
    expect(() => createRng(1).pick([])).toThrow(RangeError);
  });
});

describe("deriveSeed", () => {
  it("gives stable, label-specific sub-seeds", () => {
    expect(deriveSeed(9, "needle")).toBe(deriveSeed(9, "needle"));
    expect(deriveSeed(9, "needle")).not.toBe(deriveSeed(9, "haystack"));
    expect(deriveSeed(9, "needle")).not.toBe(deriveSeed(10, "needle"));
  });
});
