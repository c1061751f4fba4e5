/**
 * A small seeded pseudo-random generator, so every benchmark task is a pure function of its seed: the same seed
 * regenerates the same haystack, needle, labels and question on any machine, with no data files to ship.
 */

/** A deterministic stream of pseudo-random values; every method advances the same underlying state. */
export interface Rng {
  /** A float in [0, 1) with 32 bits of resolution. */
  next(): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** A new array with the elements of `items` in a uniformly random order (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[];
}

// The Weyl increment is 2^32 divided by the golden ratio: odd, so the counter visits all 2^32 states before repeating.
const WEYL_INCREMENT = 0x9e3779b9;
// Multipliers of a two-round xorshift-multiply finaliser (the "lowbias32" constants found by Chris Wellons' public
// hash-prospector search); they make consecutive counter values look unrelated.
const MIX_1 = 0x21f0aaad;
const MIX_2 = 0x735a2d97;

function mix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), MIX_1);
  z = Math.imul(z ^ (z >>> 15), MIX_2);
  return (z ^ (z >>> 15)) >>> 0;
}

/**
 * A counter-based generator: a Weyl sequence passed through a 32-bit mixing function (the splitmix construction,
 * scaled down to 32 bits). Not cryptographic; it only needs to be fast, seedable and well spread.
 *
 * @example
 * const rng = createRng(7);
 * rng.int(1_000_000, 9_999_999); // the same 7-digit number every time for seed 7
 */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  // Fold the high bits in so seeds that differ only above bit 31 still give different streams.
  let state = mix32((seed >>> 0) ^ mix32(Math.floor(seed / 2 ** 32)));
  const nextU32 = (): number => {
    state = (state + WEYL_INCREMENT) >>> 0;
    return mix32(state);
  };
  const next = (): number => nextU32() / 2 ** 32;
  const int = (min: number, max: number): number => {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min)
      throw new RangeError(`bad range [${min}, ${max}]`);
    return min + Math.floor(next() * (max - min + 1));
  };
  return {
    next,
    int,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError("cannot pick from an empty array");
      return items[int(0, items.length - 1)] as T;
    },
    chance: (p) => next() < p,
    shuffle<T>(items: readonly T[]): T[] {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(0, i);
        [out[i], out[j]] = [out[j] as T, out[i] as T];
      }
      return out;
    },
  };
}

/**
 * A seed for an independent sub-stream named `label`, so one part of a task (say the needle) can change without
 * reshuffling another (the haystack) that shares the task seed.
 */
export function deriveSeed(seed: number, label: string): number {
  // FNV-1a over the label, then mixed with the parent seed; the result stays a non-negative 32-bit integer.
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return mix32(mix32(seed >>> 0) ^ (h >>> 0) ^ mix32(Math.floor(seed / 2 ** 32)));
}
