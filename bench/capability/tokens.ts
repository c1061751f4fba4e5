/**
 * Approximate token counting for the capability benchmarks. No tokenizer runs here: lengths are characters / 4,
 * because English prose averages about four characters per token under GPT-style BPE tokenizers, and a fixed ratio
 * keeps generation deterministic and dependency-free. Real token counts can differ by 10–30 % per model.
 */

/** Characters per approximate token. */
export const CHARS_PER_TOKEN = 4;

/** The approximate token count of `text` (characters / {@link CHARS_PER_TOKEN}). */
export function approxTokens(text: string): number {
  return text.length / CHARS_PER_TOKEN;
}
