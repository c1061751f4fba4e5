/** The one summarising call of a compaction, over fake ports: success, a refused budget, a failed provider. */
import { describe, expect, it } from "vitest";
import { compactHistory } from "./compact";
import type { RootHistory } from "./compaction";
import { emptyUsage, type Meter } from "./metered-llm";
import type { BudgetPort, ChatMessage, LlmPort, RecordedStep } from "./ports";

function historyOf(turns: number): RootHistory {
  return {
    head: [
      { role: "system", content: "s".repeat(3_600) },
      { role: "user", content: "metadata" },
    ],
    summary: null,
    turns: Array.from({ length: turns }, (_, turn) => ({
      turn,
      messages: [
        { role: "assistant", content: `turn ${turn} ${"a".repeat(400)}` },
        { role: "user", content: `REPL output:\n${"o".repeat(400)}` },
      ],
    })),
  };
}

function fakeMeter(options: { refuse?: boolean; fail?: boolean; reply?: string } = {}) {
  const events: string[] = [];
  const steps: RecordedStep[] = [];
  const seen: ChatMessage[][] = [];
  const llm: LlmPort = {
    async complete(request) {
      seen.push(request.messages);
      if (options.fail) throw new Error("provider down");
      return {
        content: options.reply ?? "the summary",
        model: "m",
        usage: { promptTokens: 10, completionTokens: 5, cachedTokens: 0 },
        costUsd: 0,
        latencyMs: 1,
      };
    },
    estimateCostUsd: () => 0,
  };
  const budget = {
    async reserve() {
      events.push("reserve");
      return options.refuse
        ? { status: "refused" as const, reason: "llm_calls", message: "no calls left" }
        : { status: "granted" as const, id: "r1" };
    },
    async settle() {
      events.push("settle");
    },
    async release() {
      events.push("release");
    },
  } as unknown as BudgetPort;
  const meter: Meter = {
    llm,
    budget,
    recorder: { started() {}, step: (_id, step) => steps.push(step), ended() {}, flush: async () => {} },
    runId: "run",
    usage: emptyUsage(),
    settling: new Set(),
    exec: null,
  };
  return { meter, events, steps, seen };
}

const next: ChatMessage = { role: "user", content: "Turn 31 of 60. Your next step:" };
const options = { query: "q", windowTokens: 8_000, replyTokens: 2_000, keepTurns: 2 };

describe("compactHistory", () => {
  it("does nothing while the call fits", async () => {
    const { meter, events } = fakeMeter();
    const history = historyOf(5);
    expect(await compactHistory(meter, history, next, options)).toEqual({ status: "none" });
    expect(history.turns).toHaveLength(5);
    expect(events).toEqual([]);
  });

  it("folds the oldest turns through one recorded call, and says what it summarised and kept", async () => {
    const { meter, steps, seen } = fakeMeter({ reply: `  ${"z".repeat(10_000)}  ` });
    const history = historyOf(30);
    const result = await compactHistory(meter, history, next, options);
    if (result.status !== "compacted") throw new Error(`expected a compaction, got ${result.status}`);
    const kept = history.turns.map((t) => t.turn);
    expect(kept.at(-1)).toBe(29);
    expect(result.record).toMatchObject({
      summarised: { from: 1, to: kept[0] ?? 0 },
      kept: { from: (kept[0] ?? 0) + 1, to: 30 },
      foldedTurns: 30 - kept.length,
      windowTokens: 8_000,
      fits: true,
    });
    expect(result.record.tokensAfter).toBeLessThan(result.record.tokensBefore);
    // The summary is held to its cap (an eighth of the window), the cut stated.
    expect(history.summary?.text).toMatch(/^z+\n… \[[\d,]+ more characters cut\]$/);
    expect(result.record.summaryChars).toBe(history.summary?.text.length);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.[1]?.content).toContain("Turn 1, the model wrote:");
    expect(steps).toMatchObject([{ kind: "llm_call", data: { purpose: "compaction", role: "planner" } }]);
  });

  it("returns a refused budget as data and leaves the history as it was", async () => {
    const { meter, events, seen } = fakeMeter({ refuse: true });
    const history = historyOf(30);
    expect(await compactHistory(meter, history, next, options)).toEqual({
      status: "refused",
      reason: "llm_calls",
      message: "no calls left",
    });
    expect(history.turns).toHaveLength(30);
    expect(history.summary).toBeNull();
    expect(seen).toEqual([]);
    expect(events).toEqual(["reserve"]);
  });

  it("lets a provider failure through after releasing its reservation, the history untouched", async () => {
    const { meter, events, steps } = fakeMeter({ fail: true });
    const history = historyOf(30);
    await expect(compactHistory(meter, history, next, options)).rejects.toThrow("provider down");
    expect(history.turns).toHaveLength(30);
    expect(history.summary).toBeNull();
    expect(events).toEqual(["reserve", "release"]);
    expect(steps[0]?.data).toMatchObject({ purpose: "compaction", error: { message: "provider down" } });
  });
});
