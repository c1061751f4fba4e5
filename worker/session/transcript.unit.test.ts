import { describe, expect, it } from "vitest";
import type { Session, Turn } from "../contracts/session";
import { transcriptFileName, transcriptMarkdown } from "./transcript";

const session: Session = {
  id: "0b8f1c2e-1111-4222-8333-944455556666",
  title: "Q3 report — Café review",
  status: "archived",
  createdAt: "2026-11-25T10:00:00.000Z",
  updatedAt: "2026-11-25T11:00:00.000Z",
};

function turn(index: number, fields: Partial<Turn>): Turn {
  return {
    id: `t${index}`,
    index,
    userMessage: "question",
    answer: null,
    status: "completed",
    usage: null,
    error: null,
    runId: null,
    startedAt: `2026-11-25T10:0${index}:00.000Z`,
    completedAt: `2026-11-25T10:0${index}:30.000Z`,
    ...fields,
  };
}

describe("session transcript", () => {
  it("writes each turn's message, answer or ending, and usage", () => {
    const turns = [
      turn(0, {
        userMessage: "Summarise the report\nFocus on revenue",
        answer: "Revenue rose **15 %**.",
        usage: { llmCalls: 3, promptTokens: 1_200, completionTokens: 300, cachedTokens: 0, costUsd: 0.01234 },
      }),
      turn(1, {
        userMessage: "x".repeat(100),
        status: "failed",
        error: { code: "timeout", message: "The model did not answer" },
      }),
      turn(2, { status: "cancelled", completedAt: null }),
    ];
    const expected = [
      "# Q3 report — Café review",
      "Session `0b8f1c2e-1111-4222-8333-944455556666` · created 2026-11-25T10:00:00.000Z · 3 turns · exported 2026-11-25T12:00:00.000Z · archived",
      "## 1. Summarise the report",
      "**You** · 2026-11-25T10:00:00.000Z",
      "> Summarise the report\n> Focus on revenue",
      "**Assistant** · 2026-11-25T10:00:30.000Z",
      "Revenue rose **15 %**.",
      "<sub>3 LLM calls · 1,500 tokens · $0.0123</sub>",
      `## 2. ${"x".repeat(79)}…`,
      "**You** · 2026-11-25T10:01:00.000Z",
      `> ${"x".repeat(100)}`,
      "**Assistant** · 2026-11-25T10:01:30.000Z",
      "_The turn failed: The model did not answer (`timeout`)._",
      "## 3. question",
      "**You** · 2026-11-25T10:02:00.000Z",
      "> question",
      "**Assistant**",
      "_The turn was cancelled._",
    ];
    expect(transcriptMarkdown(session, turns, new Date("2026-11-25T12:00:00.000Z"))).toBe(`${expected.join("\n\n")}\n`);
  });

  it("names the file after the title, safely", () => {
    expect(transcriptFileName(session)).toBe("q3-report-cafe-review-0b8f1c2e.md");
    expect(transcriptFileName({ ...session, title: "«»/\\" })).toBe("session-0b8f1c2e.md");
  });
});
