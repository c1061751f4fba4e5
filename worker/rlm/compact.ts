/**
 * Folds a root history that would overflow the planner's window: one budgeted, recorded summarising call (purpose
 * `compaction`), then the summary replaces the folded turns. The policy is in `./compaction.ts`.
 */
import {
  applyCompaction,
  clip,
  foldingMessages,
  historyMessages,
  planCompaction,
  type RootHistory,
  summaryCapTokens,
} from "./compaction";
import { estimateTokens, type Meter, meteredComplete } from "./metered-llm";
import type { ChatMessage } from "./ports";

/** What an iteration's step records of a compaction; turns are numbered from 1, as the model sees them. */
export interface CompactionRecord {
  /** The turns the summary now stands for (an earlier summary's included). */
  summarised: { from: number; to: number };
  /** The turns kept whole after it. */
  kept: { from: number; to: number } | null;
  /** Turns folded by this compaction. */
  foldedTurns: number;
  /** Estimated tokens of the root call before and after. */
  tokensBefore: number;
  tokensAfter: number;
  windowTokens: number;
  summaryChars: number;
  /** False when the call still does not fit the window after folding. */
  fits: boolean;
}

export type CompactionResult =
  | { status: "none" }
  | { status: "compacted"; record: CompactionRecord }
  | { status: "refused"; reason: string; message: string };

/**
 * Compacts `history` in place when the call made of it and `next` would not fit `limits.windowTokens`. A refused
 * budget is returned as data; a provider failure propagates, as for the root call.
 */
export async function compactHistory(
  meter: Meter,
  history: RootHistory,
  next: ChatMessage,
  options: { query: string; windowTokens: number; replyTokens: number; keepTurns: number; signal?: AbortSignal },
): Promise<CompactionResult> {
  const plan = planCompaction(history, next, options);
  if (plan === null) return { status: "none" };
  const folding = history.turns.slice(0, plan.fold);
  const capTokens = summaryCapTokens(options.windowTokens);
  const messages = foldingMessages(
    options.query,
    history.summary,
    folding,
    options.windowTokens - options.replyTokens - capTokens,
  );
  const reply = await meteredComplete(meter, "planner", messages, { signal: options.signal, purpose: "compaction" });
  if (reply.status === "refused") return reply;
  const text = clip(reply.reply.content.trim(), capTokens * 4);
  applyCompaction(history, plan.fold, text);
  const summary = history.summary;
  const first = history.turns[0];
  const last = history.turns.at(-1);
  const tokensAfter = estimateTokens([...historyMessages(history), next]) + options.replyTokens;
  return {
    status: "compacted",
    record: {
      summarised: { from: (summary?.fromTurn ?? 0) + 1, to: (summary?.toTurn ?? 0) + 1 },
      kept: first && last ? { from: first.turn + 1, to: last.turn + 1 } : null,
      foldedTurns: folding.length,
      tokensBefore: plan.tokensBefore,
      tokensAfter,
      windowTokens: options.windowTokens,
      summaryChars: text.length,
      fits: tokensAfter <= options.windowTokens,
    },
  };
}
