import { createHash, type Hash } from "node:crypto";
import type { ChatMessage, ToolDef } from "./types";

/**
 * Token estimate used for every `usage` number: one token per four characters, rounded up. Deterministic and
 * model-independent on purpose, so tests and budgets can predict it exactly.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The text a request's prompt tokens are counted over: every message's role and content, then the tools' JSON. */
export function promptText(messages: readonly ChatMessage[], tools: readonly ToolDef[] = []): string {
  let out = "";
  for (const m of messages) {
    out += `${m.role}\n${m.content}\n`;
    for (const call of m.toolCalls ?? []) out += `${call.name}${call.arguments}\n`;
  }
  if (tools.length > 0) out += JSON.stringify(tools);
  return out;
}

/** Completion tokens of a reply: its content plus each tool call's name and arguments. */
export function completionTokens(content: string | null, toolCalls: readonly { name: string; arguments: string }[]) {
  let chars = content?.length ?? 0;
  for (const c of toolCalls) chars += c.name.length + c.arguments.length;
  return Math.ceil(chars / 4);
}

// OpenAI caches prompts of at least 1024 tokens and reports hits in 128-token steps; with 4 chars a token that is
// 512-char blocks and a 4096-char minimum.
const BLOCK_CHARS = 512;
const MIN_CACHED_CHARS = 4096;
// Bounds the work on huge prompts (sub-calls can carry megabytes); beyond it the prefix is simply not cached.
const MAX_SCANNED_CHARS = 4 * 1024 * 1024;
// Bounds memory: the set is dropped and rebuilt when it grows past this many block hashes.
const MAX_ENTRIES = 200_000;

/**
 * Simulated prompt caching for `usage.prompt_tokens_details.cached_tokens`: a prompt's cached part is the longest
 * prefix (in whole 512-char blocks) that an earlier prompt to the same model also had. This is what a root loop that
 * only appends to its history sees from a real provider, and what a loop that rewrites history does not.
 */
export class PrefixCache {
  #seen = new Set<string>();

  /** Records `text` for `model` and returns how many of its tokens were already cached. */
  lookupAndStore(model: string, text: string): number {
    const limit = Math.min(text.length, MAX_SCANNED_CHARS);
    const blocks = Math.floor(limit / BLOCK_CHARS);
    if (blocks * BLOCK_CHARS < MIN_CACHED_CHARS) return 0;
    if (this.#seen.size > MAX_ENTRIES) this.#seen.clear();
    const hash: Hash = createHash("sha1").update(model);
    let hit = 0;
    let missed = false;
    for (let b = 0; b < blocks; b++) {
      hash.update(text.slice(b * BLOCK_CHARS, (b + 1) * BLOCK_CHARS));
      const key = hash.copy().digest("base64");
      if (!missed && this.#seen.has(key)) hit = b + 1;
      else missed = true;
      this.#seen.add(key);
    }
    const cachedChars = hit * BLOCK_CHARS;
    return cachedChars >= MIN_CACHED_CHARS ? cachedChars / 4 : 0;
  }

  /** Forgets everything. */
  clear(): void {
    this.#seen.clear();
  }
}
