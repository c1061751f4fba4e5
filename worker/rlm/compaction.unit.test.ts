/** The compaction policy on its own: when to fold, which turns, the token estimate, the summariser's input. */
import { describe, expect, it } from "vitest";
import {
  applyCompaction,
  foldingMessages,
  historyMessages,
  planCompaction,
  type RootHistory,
  summaryCapTokens,
} from "./compaction";
import { estimateTokens } from "./metered-llm";
import type { ChatMessage } from "./ports";

/** A message of exactly `tokens` estimated tokens (four characters each, less the 8 characters a message adds). */
const sized = (role: ChatMessage["role"], tokens: number, fill = "x"): ChatMessage => ({
  role,
  content: fill.repeat(tokens * 4 - 8),
});

/** A history whose head is 1,000 tokens and whose turns are `perTurn` tokens each (response + output). */
function historyOf(turns: number, perTurn = 200): RootHistory {
  return {
    head: [sized("system", 900), sized("user", 100)],
    summary: null,
    turns: Array.from({ length: turns }, (_, turn) => ({
      turn,
      messages: [sized("assistant", perTurn / 2, String(turn % 10)), sized("user", perTurn / 2)],
    })),
  };
}

const next = sized("user", 100);
const limits = { windowTokens: 8_000, replyTokens: 2_000, keepTurns: 2 };

describe("the token estimate", () => {
  it("counts four characters a token and eight characters a message, rounded up", () => {
    expect(estimateTokens([sized("user", 100)])).toBe(100);
    expect(estimateTokens([{ role: "user", content: "a" }])).toBe(3);
    expect(estimateTokens(historyMessages(historyOf(3)))).toBe(1_000 + 3 * 200);
  });
});

describe("planCompaction", () => {
  it("leaves a history that fits alone, to the last token", () => {
    // 1,000 head + 100 prompt + 2,000 reply + 24 × 200 = 7,900: under 8,000.
    expect(planCompaction(historyOf(24), next, limits)).toBeNull();
    expect(planCompaction(historyOf(24), next, { ...limits, windowTokens: 7_900 })).toBeNull();
    expect(planCompaction(historyOf(24), next, { ...limits, windowTokens: 7_899 })).not.toBeNull();
  });

  it("folds the oldest turns until the kept ones take half the room, and says the call then fits", () => {
    const plan = planCompaction(historyOf(30), next, limits);
    // Room after head, prompt, summary cap (1,000) and reply: 8,000 − 1,100 − 1,000 − 2,000 = 3,900; half is 1,950,
    // so 9 turns (1,800 tokens) are kept and 21 folded.
    expect(summaryCapTokens(8_000)).toBe(1_000);
    expect(plan).toEqual({ fold: 21, tokensBefore: 9_100, tokensAfter: 1_100 + 1_000 + 1_800 + 2_000, fits: true });
  });

  it("always keeps the newest turns, and says so when the call still cannot fit", () => {
    expect(planCompaction(historyOf(2, 4_000), next, limits)).toBeNull();
    const plan = planCompaction(historyOf(4, 4_000), next, limits);
    expect(plan).toMatchObject({ fold: 2, fits: false });
    // A head bigger than the window: everything but the kept turns goes, and it is reported as not fitting.
    const huge = { ...historyOf(5), head: [sized("system", 9_000)] };
    expect(planCompaction(huge, next, limits)).toMatchObject({ fold: 3, fits: false });
  });

  it("counts an earlier summary against the window", () => {
    const history = historyOf(20);
    expect(planCompaction(history, next, limits)).toBeNull();
    history.summary = { fromTurn: 0, toTurn: 9, text: "s".repeat(4_000) };
    expect(planCompaction(history, next, limits)?.fold).toBeGreaterThan(0);
  });
});

describe("applyCompaction and the history", () => {
  it("replaces the folded turns by one summary that spans every turn folded so far", () => {
    const history = historyOf(10);
    const folded = applyCompaction(history, 4, "first four");
    expect(folded.map((t) => t.turn)).toEqual([0, 1, 2, 3]);
    expect(history.summary).toEqual({ fromTurn: 0, toTurn: 3, text: "first four" });
    applyCompaction(history, 3, "first seven");
    expect(history.summary).toEqual({ fromTurn: 0, toTurn: 6, text: "first seven" });
    expect(history.turns.map((t) => t.turn)).toEqual([7, 8, 9]);
    const messages = historyMessages(history);
    expect(messages.slice(0, 2)).toEqual(history.head);
    expect(messages[2]?.content).toMatch(
      /^\[Turns 1–7 were summarised to fit the context window; the REPL still holds/,
    );
    expect(messages[2]?.content).toContain("first seven");
    expect(messages).toHaveLength(2 + 1 + 3 * 2);
  });
});

describe("foldingMessages", () => {
  it("gives the summariser the query, the earlier summary and each folded turn, numbered as the model saw them", () => {
    const history = historyOf(3, 40);
    const [system, user] = foldingMessages(
      "Where is it?",
      { fromTurn: 0, toTurn: 4, text: "so far" },
      history.turns,
      8_000,
    );
    expect(system?.content).toMatch(/^You summarise the earlier turns of a model/);
    expect(user?.content).toContain('The query: "Where is it?"');
    expect(user?.content).toContain("The summary of the turns before these:\nso far");
    expect(user?.content).toContain("Turn 1, the model wrote:");
    expect(user?.content).toContain("Turn 3, it was told:");
    expect(user?.content).not.toContain("more characters cut");
  });

  it("clips long turns so the summarising call fits its budget, stating the cut", () => {
    const history = historyOf(10, 4_000);
    const messages = foldingMessages("q", null, history.turns, 3_000);
    expect(estimateTokens(messages)).toBeLessThanOrEqual(3_000);
    expect(messages[1]?.content).toContain("more characters cut]");
  });
});
