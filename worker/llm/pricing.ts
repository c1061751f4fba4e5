/**
 * Cost and token accounting for LLM calls, as pure functions over a price table. Prices are USD per million tokens,
 * the unit providers publish, so a table can be copied from a pricing page without conversion.
 */

/** Token counts of one call. `cachedTokens` is the part of `promptTokens` the provider served from its prompt cache. */
export interface LlmUsage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
}

/** USD per 1M tokens. `cachedInput` defaults to `input` for providers without prompt-cache discounts. */
export interface ModelPrice {
  input: number;
  cachedInput?: number;
  output: number;
}

/** Prices by model name; see {@link findPrice} for how a name is matched. */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/**
 * OpenAI list prices at the time of writing, so common models are costed out of the box. Deployments override or
 * extend them through the gateway's `prices` option; an unknown model costs 0 (its calls still count tokens).
 */
export const DEFAULT_PRICES: PriceTable = {
  "gpt-5": { input: 1.25, cachedInput: 0.125, output: 10 },
  "gpt-5-mini": { input: 0.25, cachedInput: 0.025, output: 2 },
  "gpt-5-nano": { input: 0.05, cachedInput: 0.005, output: 0.4 },
  "gpt-4.1": { input: 2, cachedInput: 0.5, output: 8 },
  "gpt-4.1-mini": { input: 0.4, cachedInput: 0.1, output: 1.6 },
  "gpt-4.1-nano": { input: 0.1, cachedInput: 0.025, output: 0.4 },
  "gpt-4o": { input: 2.5, cachedInput: 1.25, output: 10 },
  "gpt-4o-mini": { input: 0.15, cachedInput: 0.075, output: 0.6 },
  o3: { input: 2, cachedInput: 0.5, output: 8 },
  "o4-mini": { input: 1.1, cachedInput: 0.275, output: 4.4 },
};

// Characters that separate a model family from a version or tag: `gpt-4o-2024-08-06`, `llama3:8b`, `claude@2024`.
const VERSION_SEPARATORS = new Set(["-", ":", "@"]);

/**
 * The price for `model`: an exact entry; else the same without a router prefix (`openai/gpt-4o`); else the longest
 * entry the name extends at a version separator, so dated snapshots (`gpt-4o-2024-08-06`) cost like their family and
 * `gpt-4o-mini-…` never falls back to `gpt-4o`. `null` when nothing matches.
 */
export function findPrice(table: PriceTable, model: string): ModelPrice | null {
  return findModelEntry(table, model);
}

/** The entry of any per-model table for `model`, matched as {@link findPrice} describes. */
export function findModelEntry<T>(table: Readonly<Record<string, T>>, model: string): T | null {
  const exact = table[model];
  if (exact !== undefined) return exact;
  const bare = model.slice(model.lastIndexOf("/") + 1);
  if (table[bare] !== undefined) return table[bare];
  let best: string | null = null;
  for (const key of Object.keys(table)) {
    const extends_ = bare.length > key.length && bare.startsWith(key) && VERSION_SEPARATORS.has(bare[key.length] ?? "");
    if (extends_ && (best === null || key.length > best.length)) best = key;
  }
  return best === null ? null : (table[best] ?? null);
}

/** USD cost of `usage` at `price`; 0 when the model has no price. Cached tokens are billed at the cached rate. */
export function costUsd(usage: LlmUsage, price: ModelPrice | null): number {
  if (!price) return 0;
  const cached = Math.min(usage.cachedTokens, usage.promptTokens);
  const uncached = usage.promptTokens - cached;
  const micro =
    uncached * price.input + cached * (price.cachedInput ?? price.input) + usage.completionTokens * price.output;
  return micro / 1_000_000;
}

/**
 * A rough token count: four characters per token, the providers' rule of thumb. Used only when a provider omits
 * `usage`, so a call is never counted as free by the budget.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
