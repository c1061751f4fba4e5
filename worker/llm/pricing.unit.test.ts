/** Price lookup by model name and cost arithmetic. */
import { describe, expect, it } from "vitest";
import { costUsd, DEFAULT_PRICES, estimateTokens, findPrice } from "./pricing";

describe("findPrice", () => {
  const table = { ...DEFAULT_PRICES, "llama3:8b": { input: 0.05, output: 0.1 }, scripted: { input: 1, output: 2 } };

  it("matches exact names, router prefixes and dated snapshots", () => {
    expect(findPrice(table, "gpt-4o")).toBe(DEFAULT_PRICES["gpt-4o"]);
    expect(findPrice(table, "openai/gpt-4o")).toBe(DEFAULT_PRICES["gpt-4o"]);
    expect(findPrice(table, "gpt-4o-2024-08-06")).toBe(DEFAULT_PRICES["gpt-4o"]);
    expect(findPrice(table, "scripted:abc")).toBe(table.scripted);
    expect(findPrice(table, "llama3:8b")).toBe(table["llama3:8b"]);
  });

  it("prefers the longest family, so a mini snapshot never costs like the full model", () => {
    expect(findPrice(table, "gpt-4o-mini-2024-07-18")).toBe(DEFAULT_PRICES["gpt-4o-mini"]);
    expect(findPrice(table, "gpt-4.1-nano-2025-04-14")).toBe(DEFAULT_PRICES["gpt-4.1-nano"]);
  });

  it("finds nothing for unknown names or names that merely share letters", () => {
    expect(findPrice(table, "mystery-model")).toBeNull();
    expect(findPrice(table, "gpt-4oo")).toBeNull();
    expect(findPrice(table, "o3x")).toBeNull();
  });
});

describe("costUsd", () => {
  it("bills cached prompt tokens at the cached rate", () => {
    const usage = { promptTokens: 1_000_000, completionTokens: 500_000, cachedTokens: 400_000 };
    expect(costUsd(usage, { input: 2, cachedInput: 0.5, output: 8 })).toBeCloseTo(0.6 * 2 + 0.4 * 0.5 + 0.5 * 8, 10);
  });

  it("falls back to the input rate without a cache price, and is 0 without a price", () => {
    const usage = { promptTokens: 2_000, completionTokens: 1_000, cachedTokens: 1_000 };
    expect(costUsd(usage, { input: 1, output: 3 })).toBeCloseTo((2_000 * 1 + 1_000 * 3) / 1e6, 12);
    expect(costUsd(usage, null)).toBe(0);
  });

  it("never bills more cached tokens than prompt tokens", () => {
    const usage = { promptTokens: 10, completionTokens: 0, cachedTokens: 50 };
    expect(costUsd(usage, { input: 4, cachedInput: 1, output: 0 })).toBeCloseTo(10 / 1e6, 12);
  });
});

it("estimates four characters per token, rounding up", () => {
  expect(estimateTokens("")).toBe(0);
  expect(estimateTokens("abcde")).toBe(2);
});
