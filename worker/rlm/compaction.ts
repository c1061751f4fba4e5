/**
 * Compaction policy for the root history of a long run: when the next root call would not fit the planner's context
 * window, the oldest turns (with any earlier summary) are folded into one summary message. Pure functions: which
 * turns to fold, the token estimate, and the messages of the summarising call. The REPL is never touched: folded
 * turns' variables stay in the namespace, only the conversation about them gets shorter.
 */
import { estimateTokens } from "./metered-llm";
import type { ChatMessage } from "./ports";
import { COMPACTION_SYSTEM_PROMPT, compactionRequest, foldedTurnsNote } from "./prompts";

/** One root iteration in the history: the model's response and what came back (block outputs, feedback). */
export interface HistoryTurn {
  /** The iteration's index (0-based; the model sees it as `turn + 1`). */
  turn: number;
  messages: ChatMessage[];
}

/** The summary that stands in for turns `fromTurn`…`toTurn` (0-based, inclusive). */
export interface FoldedSummary {
  fromTurn: number;
  toTurn: number;
  text: string;
}

/** A run's root history: the fixed head (system prompt, context metadata), the summary so far, the turns since. */
export interface RootHistory {
  head: ChatMessage[];
  summary: FoldedSummary | null;
  turns: HistoryTurn[];
}

export interface CompactionLimits {
  /** Prompt tokens the planner accepts. */
  windowTokens: number;
  /** Tokens left free for the reply. */
  replyTokens: number;
  /** Newest turns never folded: the model is usually reasoning on them. */
  keepTurns: number;
}

export interface CompactionPlan {
  /** How many of the oldest turns to fold (the earlier summary is always folded with them). */
  fold: number;
  /** Estimated tokens of the next root call as it stands (reply room included). */
  tokensBefore: number;
  /** The same after folding, counting the summary at its cap. */
  tokensAfter: number;
  /** False when even after folding the call cannot fit (the fixed part or the kept turns are too big). */
  fits: boolean;
}

/** A summary never takes more than this: enough for findings and variable names, small next to any real window. */
const SUMMARY_MAX_TOKENS = 2_000;

/** The longest summary for a window: an eighth of it, at most {@link SUMMARY_MAX_TOKENS}. */
export function summaryCapTokens(windowTokens: number): number {
  return Math.max(1, Math.min(SUMMARY_MAX_TOKENS, Math.floor(windowTokens / 8)));
}

/** The messages a root call sends before its turn prompt. */
export function historyMessages(history: RootHistory): ChatMessage[] {
  const summary = history.summary === null ? [] : [summaryMessage(history.summary)];
  return [...history.head, ...summary, ...history.turns.flatMap((t) => t.messages)];
}

/** The history message holding a summary. */
export function summaryMessage(summary: FoldedSummary): ChatMessage {
  return { role: "user", content: foldedTurnsNote(summary.fromTurn + 1, summary.toTurn + 1, summary.text) };
}

/**
 * Whether the next root call (the history plus `next`, the turn prompt) overflows the window, and if so how many of
 * the oldest turns to fold: enough that the kept turns take at most half of the room left after the head, the
 * summary's cap and the reply, so the run gets about as many turns again before it folds the next time.
 * `null` when the call fits or when there is nothing old enough to fold.
 */
export function planCompaction(
  history: RootHistory,
  next: ChatMessage,
  limits: CompactionLimits,
): CompactionPlan | null {
  const fixed = estimateTokens([...history.head, next]);
  const summary = history.summary === null ? 0 : estimateTokens([summaryMessage(history.summary)]);
  const turns = history.turns.map((t) => estimateTokens(t.messages));
  let kept = turns.reduce((n, t) => n + t, 0);
  const tokensBefore = fixed + summary + kept + limits.replyTokens;
  if (tokensBefore <= limits.windowTokens) return null;
  const foldable = turns.length - Math.max(0, limits.keepTurns);
  if (foldable <= 0) return null;
  const cap = summaryCapTokens(limits.windowTokens);
  const room = limits.windowTokens - fixed - cap - limits.replyTokens;
  let fold = 0;
  while (fold < foldable && (fold === 0 || kept > room / 2)) {
    kept -= turns[fold] ?? 0;
    fold += 1;
  }
  const tokensAfter = fixed + cap + kept + limits.replyTokens;
  return { fold, tokensBefore, tokensAfter, fits: tokensAfter <= limits.windowTokens };
}

/**
 * The summarising call's messages: the query, the summary so far and the folded turns, clipped to `maxTokens` (each
 * message keeps an equal share of what is left, at least 200 characters of its head, with the cut stated) so the
 * call itself fits the window.
 */
export function foldingMessages(
  query: string,
  previous: FoldedSummary | null,
  folded: HistoryTurn[],
  maxTokens: number,
): ChatMessage[] {
  const parts = folded.flatMap((t) => t.messages.map((m) => ({ turn: t.turn, m })));
  const frame = compactionRequest(query, previous?.text ?? null, []);
  // Each part adds its label, the cut note and newlines: under a hundred characters.
  const fixedChars = COMPACTION_SYSTEM_PROMPT.length + frame.length + parts.length * 100;
  const share = Math.max(200, Math.floor((maxTokens * 4 - fixedChars) / Math.max(1, parts.length)));
  const lines = parts.map(({ turn, m }, i) => {
    const label = m.role === "assistant" ? `Turn ${turn + 1}, the model wrote:` : `Turn ${turn + 1}, it was told:`;
    const first = i === 0 || parts[i - 1]?.turn !== turn;
    return `${first ? "\n" : ""}${label}\n${clip(m.content, share)}`;
  });
  return [
    { role: "system", content: COMPACTION_SYSTEM_PROMPT },
    { role: "user", content: compactionRequest(query, previous?.text ?? null, lines) },
  ];
}

/** Folds the oldest `fold` turns (and any earlier summary) into `text`, in place. Returns the turns folded. */
export function applyCompaction(history: RootHistory, fold: number, text: string): HistoryTurn[] {
  const folded = history.turns.splice(0, fold);
  const first = history.summary?.fromTurn ?? folded[0]?.turn ?? 0;
  const last = folded.at(-1)?.turn ?? history.summary?.toTurn ?? first;
  history.summary = { fromTurn: first, toTurn: last, text };
  return folded;
}

/** Cuts `text` to `chars`, saying how much went. */
export function clip(text: string, chars: number): string {
  if (text.length <= chars) return text;
  return `${text.slice(0, chars)}\n… [${(text.length - chars).toLocaleString("en-US")} more characters cut]`;
}
