/**
 * The solver as the RLM engine's summariser, and its root carrying on after a compaction. The requests are built by
 * the engine's own compaction helpers, so a change of wording there shows up here.
 */
import { describe, expect, it } from "vitest";
import { foldingMessages, type HistoryTurn, summaryMessage } from "../../worker/rlm/compaction";
import { solve, solverRole } from "./solver/index";
import type { ChatMessage, ChatRequest } from "./types";

const flags = { depth2: false, role: "auto", final: "auto", explore: 0, subcalls: true } as const;
const request = (messages: ChatMessage[]): ChatRequest => ({
  model: "solver",
  messages,
  stream: false,
  includeUsage: false,
  tools: [],
  toolChoice: { kind: "auto" },
  stop: [],
});
const turn = (index: number, output: string): HistoryTurn => ({
  turn: index,
  messages: [
    { role: "assistant", content: `Let me look.\n\`\`\`repl\nprint(len(context))\n\`\`\`` },
    { role: "user", content: `REPL output:\n${output}` },
  ],
});

describe("the solver as summariser", () => {
  it("recognises the engine's compaction call and keeps the turns' values, errors and earlier findings", () => {
    const messages = foldingMessages(
      "What is the special magic number for gentle-comet mentioned in the provided text?",
      { fromTurn: 0, toTurn: 2, text: "In turns 1–3 …\nFindings:\n- final_answer -> 17" },
      [
        turn(3, "str with 900 characters\nabc"),
        turn(4, "NameError: name 'x' is not defined"),
        turn(5, "final_answer -> 42"),
      ],
      8_000,
    );
    expect(solverRole(request(messages), flags)).toBe("summary");
    const reply = solve(request(messages), flags);
    expect(reply.content).toBe(
      [
        "In turns 4–6 the model ran 3 code block(s).",
        "They printed: str with 900 characters",
        "Findings:",
        "- final_answer -> 17",
        "- NameError: name 'x' is not defined",
        "- final_answer -> 42",
      ].join("\n"),
    );
  });

  it("counts folded turns as taken, so exploring ends where it would have without compaction", () => {
    const system: ChatMessage = { role: "system", content: "You have a REPL with `context` and llm_query." };
    const query: ChatMessage = {
      role: "user",
      content: "What is the special magic number for gentle-comet mentioned in the provided text?",
    };
    const folded = summaryMessage({ fromTurn: 0, toTurn: 9, text: "In turns 1–10 the model ran 10 code block(s)." });
    const kept = turn(10, "str with 900 characters");
    const history = [system, folded, ...kept.messages, query];
    // Eleven turns taken (ten folded, one kept): explore=12 explores once more, explore=11 computes now.
    expect(solve(request(history), { ...flags, explore: 12 }).content).toContain("Let me look at the context first.");
    expect(solve(request(history), { ...flags, explore: 11 }).content).toContain(
      "I will work through the whole context",
    );
  });
});
