import { describe, expect, it } from "vitest";
import { ChatCompletionRequest } from "../contracts/openai";
import { parseModel, QUERY_MAX_CHARS, toTaskInput } from "./conversation";

const request = (body: Record<string, unknown>) => ChatCompletionRequest.parse({ model: "fleet-rlm", ...body });

function field(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { details?: { issues?: Array<{ field: string }> } }).details?.issues?.[0]?.field;
  }
  return undefined;
}

describe("a conversation as a task", () => {
  it("parses the models and their planner suffix", () => {
    expect(parseModel("fleet-rlm")).toEqual({ mode: "rlm", planner: undefined });
    expect(parseModel("fleet-rlm-agent:gpt-4.1")).toEqual({ mode: "agent", planner: "gpt-4.1" });
    expect(parseModel("gpt-4o")).toBeNull();
  });

  it("splits a long last message: its last paragraph is the query, the rest the context", () => {
    const body = "lorem ipsum. ".repeat(QUERY_MAX_CHARS);
    const task = toTaskInput(request({ messages: [{ role: "user", content: `${body}\n\nWhat is it?` }] }));
    expect(task).toMatchObject({ mode: "rlm", query: "What is it?", context: body.trimEnd(), models: {} });
  });

  it("keeps a short question whole, the earlier messages as a transcript context", () => {
    const task = toTaskInput(
      request({
        model: "fleet-rlm:solver",
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: [{ type: "text", text: "Which?" }] },
        ],
      }),
    );
    expect(task).toMatchObject({ query: "Which?", context: "### system\nBe brief.", models: { planner: "solver" } });
  });

  it("gives a lone short question itself as the context", () => {
    expect(toTaskInput(request({ messages: [{ role: "user", content: "Why?" }] }))).toMatchObject({
      query: "Why?",
      context: "Why?",
    });
  });

  it("with documents, they are the context and the conversation the query", () => {
    const id = crypto.randomUUID();
    const task = toTaskInput(
      request({
        messages: [
          { role: "user", content: "Hi" },
          { role: "assistant", content: "Hello" },
          { role: "user", content: "Summarise" },
        ],
        fleet_rlm: { documents: [id], budget: { llmCalls: 5 }, maxDepth: 2 },
      }),
    );
    expect(task).toMatchObject({ documents: [id], budget: { llmCalls: 5 }, maxDepth: 2 });
    expect(task.context).toBeUndefined();
    expect(task.query).toBe("### user\nHi\n\n### assistant\nHello\n\n### user\nSummarise");
    const long = "x".repeat(20_001);
    expect(
      field(() =>
        toTaskInput(request({ messages: [{ role: "user", content: long }], fleet_rlm: { documents: [id] } })),
      ),
    ).toBe("json.messages");
  });

  it("names the field of a conversation that cannot be a task", () => {
    expect(field(() => toTaskInput(request({ messages: [{ role: "assistant", content: "a" }] })))).toBe(
      "json.messages.0.role",
    );
    expect(field(() => toTaskInput(request({ messages: [{ role: "user", content: "  " }] })))).toBe(
      "json.messages.0.content",
    );
    expect(field(() => toTaskInput(request({ model: "gpt-4o", messages: [{ role: "user", content: "q" }] })))).toBe(
      "json.model",
    );
  });
});
