/** Assembling replies from JSON bodies and stream chunks. */
import type { ChatCompletion, ChatCompletionChunk } from "openai/resources/chat/completions";
import { describe, expect, it } from "vitest";
import { fromCompletion, StreamAssembler } from "./assemble";

type Delta = ChatCompletionChunk.Choice.Delta;

function chunk(delta: Delta, finish: ChatCompletionChunk.Choice["finish_reason"] = null): ChatCompletionChunk {
  return {
    id: "c1",
    object: "chat.completion.chunk",
    created: 0,
    model: "gpt-4o-2024-08-06",
    choices: [{ index: 0, delta, finish_reason: finish }],
    usage: null,
  };
}

describe("StreamAssembler", () => {
  it("joins text deltas, returns each for onDelta, and takes usage from the final chunk", () => {
    const a = new StreamAssembler();
    expect(a.push(chunk({ role: "assistant", content: "" }))).toBe("");
    expect(a.push(chunk({ content: "Hel" }))).toBe("Hel");
    expect(a.push(chunk({ content: "lo" }))).toBe("lo");
    expect(a.finished).toBe(false);
    a.push(chunk({}, "stop"));
    a.push({
      ...chunk({}),
      choices: [],
      usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11, prompt_tokens_details: { cached_tokens: 4 } },
    });
    expect(a.finished).toBe(true);
    expect(a.result()).toEqual({
      content: "Hello",
      toolCalls: [],
      finishReason: "stop",
      model: "gpt-4o-2024-08-06",
      usage: { promptTokens: 9, completionTokens: 2, cachedTokens: 4 },
      refusal: null,
    });
  });

  it("joins a refusal streamed in refusal deltas, apart from the content", () => {
    const a = new StreamAssembler();
    const chunk = (delta: Record<string, unknown>) =>
      ({
        id: "c",
        object: "chat.completion.chunk",
        created: 0,
        model: "m",
        choices: [{ index: 0, delta, finish_reason: null }],
      }) as unknown as ChatCompletionChunk;
    expect(a.push(chunk({ role: "assistant", content: null, refusal: null }))).toBe("");
    expect(a.push(chunk({ refusal: "I can't " }))).toBe("");
    expect(a.push(chunk({ refusal: "help with that." }))).toBe("");
    expect(a.result()).toMatchObject({ content: "", refusal: "I can't help with that." });
  });

  it("assembles interleaved tool calls by index, keeping the first id and name", () => {
    const a = new StreamAssembler();
    a.push(chunk({ tool_calls: [{ index: 1, id: "b", type: "function", function: { name: "two", arguments: "" } }] }));
    a.push(
      chunk({ tool_calls: [{ index: 0, id: "a", type: "function", function: { name: "one", arguments: '{"' } }] }),
    );
    a.push(chunk({ tool_calls: [{ index: 1, function: { arguments: "{}" } }] }));
    a.push(chunk({ tool_calls: [{ index: 0, id: "a", function: { name: "one", arguments: 'q":1}' } }] }));
    a.push(chunk({}, "tool_calls"));
    expect(a.result().toolCalls).toEqual([
      { id: "a", name: "one", arguments: '{"q":1}' },
      { id: "b", name: "two", arguments: "{}" },
    ]);
    expect(a.result().usage).toBeNull();
  });
});

describe("fromCompletion", () => {
  it("reads content, function tool calls, finish reason and usage", () => {
    const body: ChatCompletion = {
      id: "c",
      object: "chat.completion",
      created: 0,
      model: "m",
      choices: [
        {
          index: 0,
          finish_reason: "tool_calls",
          logprobs: null,
          message: {
            role: "assistant",
            content: null,
            refusal: null,
            tool_calls: [{ id: "t1", type: "function", function: { name: "f", arguments: "{}" } }],
          },
        },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
    };
    expect(fromCompletion(body)).toEqual({
      content: "",
      toolCalls: [{ id: "t1", name: "f", arguments: "{}" }],
      finishReason: "tool_calls",
      model: "m",
      usage: { promptTokens: 3, completionTokens: 1, cachedTokens: 0 },
      refusal: null,
    });
  });
});
