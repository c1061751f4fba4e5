/**
 * The solver as the offline demo model: the everyday wordings of its two tasks, and a plain refusal (OpenAI's
 * `refusal`, over JSON and SSE) for anything else, so a client never takes "I cannot" for an answer.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ScriptedLlm, startScriptedLlm } from "./index";
import { detectTask } from "./solver";

const delegate = {
  type: "function" as const,
  function: { name: "delegate_to_rlm", parameters: { type: "object", properties: { query: { type: "string" } } } },
};

describe("demo wordings", () => {
  it.each([
    "What is the special magic number for gentle-comet mentioned in the document?",
    "What's the magic number for gentle-comet in the file?",
    "Find the special magic number for gentle-comet in the text.",
    "What is the special magic number for gentle-comet hidden in this document?",
    "What is the magic number for gentle-comet?",
  ])("reads a needle question: %s", (q) => {
    expect(detectTask(q).task).toEqual({ kind: "niah", key: "gentle-comet", valueKind: "number" });
  });

  it.each([
    ["How many lines in the document are labelled location?", { mode: "count", target: "location" }],
    ["How many questions in the file are about a human?", { mode: "count", target: "human being" }],
    ["Is entity more common than location in the text?", { mode: "compare", target: "entity", other: "location" }],
    ["Are there more location lines than entity lines?", { mode: "compare", target: "location", other: "entity" }],
    ["Which category appears most often?", { mode: "most" }],
    ["Which label is the rarest?", { mode: "least" }],
  ])("reads a counting question: %s", (q, want) => {
    expect(detectTask(q).task).toMatchObject({ kind: "count", ...want });
  });

  it.each(["What is the capital of France?", "How many people live in Paris?", "Summarise the document"])(
    "leaves an ordinary question alone: %s",
    (q) => {
      expect(detectTask(q).task.kind).toBe("unknown");
    },
  );
});

describe("demo refusals on the wire", () => {
  let llm: ScriptedLlm;
  let client: OpenAI;
  beforeAll(async () => {
    llm = await startScriptedLlm({ latencyMs: 0 });
    client = new OpenAI({ baseURL: llm.url, apiKey: "unused", maxRetries: 0 });
  });
  afterAll(() => llm.stop());

  it("refuses a question it cannot do as the agent, naming itself and how to add a real model", async () => {
    const res = await client.chat.completions.create({
      model: "solver",
      messages: [{ role: "user", content: "What is the capital of France?" }],
      tools: [delegate],
    });
    const message = res.choices[0]?.message;
    expect(message?.content).toBeNull();
    expect(message?.refusal).toContain("I am the demo model");
    expect(message?.refusal).toContain('"What is the capital of France?"');
    expect(message?.refusal).toContain("Settings → LLM profiles");
  });

  it("streams the root's refusal in refusal deltas, with no content", async () => {
    const stream = await client.chat.completions.create({
      model: "solver",
      stream: true,
      messages: [
        { role: "system", content: "You write ```repl code and may call llm_query." },
        { role: "user", content: "Summarise the context." },
      ],
    });
    let refusal = "";
    let content = "";
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { refusal?: string | null; content?: string | null } | undefined;
      refusal += delta?.refusal ?? "";
      content += delta?.content ?? "";
    }
    expect(content).toBe("");
    expect(refusal).toMatch(/^I am the demo model .* cannot answer this\./);
  });

  it("passes a delegated run's refusal on as its own, and still delegates a natural needle question", async () => {
    const refused = await client.chat.completions.create({
      model: "solver",
      messages: [
        { role: "user", content: "Analyse the document" },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "c1", type: "function", function: { name: "delegate_to_rlm", arguments: "{}" } }],
        },
        { role: "tool", tool_call_id: "c1", content: "[ERROR] model_declined: I am the demo model …" },
      ],
      tools: [delegate],
    });
    expect(refused.choices[0]?.message.refusal).toContain('cannot answer "Analyse the document"');
    const needle = await client.chat.completions.create({
      model: "solver",
      messages: [{ role: "user", content: "What is the magic number for gentle-comet in the file?" }],
      tools: [delegate],
    });
    expect(needle.choices[0]?.message.tool_calls?.[0]).toMatchObject({ function: { name: "delegate_to_rlm" } });
  });
});
