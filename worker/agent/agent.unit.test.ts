import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "../errors";
import type { LlmCompletion, LlmRequest } from "../llm";
import { estimateMessageTokens, fitContext } from "./context-window";
import { runAgentTurn } from "./loop";
import { defaultMemory, loadMemory, MEMORY_BLOCKS, renderMemory, writeMemory } from "./memory";
import { type AgentEvent, capObservation, defineTool } from "./tool";
import { parseJsonStep } from "./tool-json";

describe("core memory", () => {
  it("appends and replaces within limits, and refuses past them with a message the model can act on", () => {
    const start = defaultMemory();
    const appended = writeMemory(start, "human", "Prefers short answers", "append");
    expect(appended.status).toBe("written");
    if (appended.status !== "written") return;
    const again = writeMemory(appended.memory, "human", "Works in Rust", "append");
    expect(again.status === "written" && again.memory.human).toBe("Prefers short answers\nWorks in Rust");
    const tooBig = writeMemory(start, "scratchpad", "x".repeat(MEMORY_BLOCKS.scratchpad.limit + 1), "replace");
    expect(tooBig).toMatchObject({ status: "refused" });
    expect(tooBig.status === "refused" && tooBig.message).toContain("at most 1000 characters");
  });

  it("loads stored blocks over the defaults and renders each with its fill level", () => {
    const memory = loadMemory({ human: "Ada", bogus: "ignored" });
    expect(memory.human).toBe("Ada");
    expect(memory.persona).toBe(MEMORY_BLOCKS.persona.initial);
    expect(renderMemory(memory)).toContain('<human chars="3/2000">\nAda\n</human>');
    expect(renderMemory(memory)).toContain("<scratchpad");
  });
});

describe("context window", () => {
  const system: ChatCompletionMessageParam = { role: "system", content: "sys" };
  const big = "y".repeat(4_000);
  const conversation: ChatCompletionMessageParam[] = [
    system,
    { role: "user", content: `old question ${big}` },
    { role: "assistant", content: `old answer ${big}` },
    { role: "user", content: "current question" },
    {
      role: "assistant",
      content: null,
      tool_calls: [{ id: "a", type: "function", function: { name: "t", arguments: "{}" } }],
    },
    { role: "tool", tool_call_id: "a", content: big },
    {
      role: "assistant",
      content: null,
      tool_calls: [{ id: "b", type: "function", function: { name: "t", arguments: "{}" } }],
    },
    { role: "tool", tool_call_id: "b", content: big },
    {
      role: "assistant",
      content: null,
      tool_calls: [{ id: "c", type: "function", function: { name: "t", arguments: "{}" } }],
    },
    { role: "tool", tool_call_id: "c", content: big },
  ];

  it("leaves a conversation that fits untouched", () => {
    const fit = fitContext(conversation, 3, 1_000_000);
    expect(fit.messages).toEqual(conversation);
    expect(fit.trimmedObservations + fit.droppedHistoryMessages).toBe(0);
  });

  it("trims old observations first, keeping the latest two and every call/result pair", () => {
    const before = estimateMessageTokens(conversation);
    const fit = fitContext(conversation, 3, before - 500);
    expect(fit.trimmedObservations).toBe(1);
    expect(fit.droppedHistoryMessages).toBe(0);
    expect(fit.messages[5]).toMatchObject({ role: "tool", tool_call_id: "a" });
    expect(String(fit.messages[5]?.content)).toContain("it had 4000 characters");
    expect(fit.messages[7]?.content).toBe(big);
    expect(fit.messages[9]?.content).toBe(big);
  });

  it("then drops earlier turns, never the system prompt or the current message", () => {
    const fit = fitContext(conversation, 3, 3_200);
    expect(fit.droppedHistoryMessages).toBe(2);
    expect(fit.messages[0]).toEqual(system);
    expect(fit.messages[1]).toEqual({ role: "user", content: "current question" });
    expect(fit.fits).toBe(true);
  });
});

describe("JSON tool protocol", () => {
  it("reads a tool call, a fenced tool call and a final answer", () => {
    expect(parseJsonStep('{"tool": "list_documents", "arguments": {}}')).toEqual({
      kind: "tool",
      name: "list_documents",
      arguments: {},
    });
    expect(parseJsonStep('Sure.\n```json\n{"tool":"search_document","args":{"pattern":"x"}}\n```')).toEqual({
      kind: "tool",
      name: "search_document",
      arguments: { pattern: "x" },
    });
    expect(parseJsonStep('{"final": "42"}')).toEqual({ kind: "final", text: "42" });
  });

  it("treats prose, broken JSON and arguments that are not an object as a plain answer", () => {
    expect(parseJsonStep("The answer is 42.")).toEqual({ kind: "text", text: "The answer is 42." });
    expect(parseJsonStep('{"tool": "x", "arguments": ')).toMatchObject({ kind: "text" });
    expect(parseJsonStep('{"tool": "x", "arguments": [1]}')).toMatchObject({ kind: "text" });
  });
});

describe("tools", () => {
  const echo = defineTool({
    name: "echo",
    description: "Echo",
    schema: z.object({ text: z.string().min(1), times: z.number().int().max(3).default(1) }),
    async run(args) {
      return { ok: true, output: args.text.repeat(args.times) };
    },
  });

  it("publishes JSON Schema parameters and validates arguments before running", async () => {
    expect(echo.parameters).toMatchObject({ type: "object", properties: { text: { type: "string" } } });
    const ctx = { signal: new AbortController().signal, emit: () => {}, callId: "c" };
    expect(await echo.invoke({ text: "ab", times: 2 }, ctx)).toEqual({ ok: true, output: "abab" });
    const bad = await echo.invoke({ times: 9 }, ctx);
    expect(bad.ok).toBe(false);
    expect(bad.output).toMatch(/Invalid arguments for echo: text: .*; times: /);
  });

  it("caps observations and states the true length", () => {
    expect(capObservation("abcdef", 10)).toBe("abcdef");
    expect(capObservation("abcdef", 3)).toBe("abc\n[… truncated: 6 characters in all, 3 shown]");
  });
});

/** An in-memory model for the loop's pure logic: replies in order, records what it was asked. */
function fakeLlm(replies: Array<Partial<LlmCompletion> | Error>) {
  const requests: LlmRequest[] = [];
  return {
    requests,
    async complete(request: LlmRequest): Promise<LlmCompletion> {
      requests.push(structuredClone({ ...request, signal: undefined, onDelta: undefined }));
      const next = replies.shift();
      if (!next) throw new Error("no more replies");
      if (next instanceof Error) throw next;
      if (next.content) request.onDelta?.(next.content);
      return {
        content: "",
        toolCalls: [],
        finishReason: "stop",
        model: "fake",
        usage: { promptTokens: 1, completionTokens: 1, cachedTokens: 0 },
        usageEstimated: false,
        costUsd: 0,
        latencyMs: 1,
        attempts: 1,
        ...next,
      };
    },
  };
}

describe("ReAct loop", () => {
  const lookup = defineTool({
    name: "lookup",
    description: "Look up a word",
    schema: z.object({ word: z.string() }),
    async run(args) {
      return { ok: true, output: `${args.word} means hello` };
    },
  });

  async function run(
    replies: Array<Partial<LlmCompletion> | Error>,
    settings = {},
    signal = new AbortController().signal,
  ) {
    const llm = fakeLlm(replies);
    const events: AgentEvent[] = [];
    const outcome = await runAgentTurn(
      { systemPrompt: "sys", history: [], userMessage: "What does hola mean?" },
      { llm, tools: [lookup], emit: (e) => events.push(e), signal, settings },
    );
    return { outcome, events, llm };
  }

  it("calls a tool, feeds the observation back, and answers", async () => {
    const { outcome, events, llm } = await run([
      { toolCalls: [{ id: "c1", name: "lookup", arguments: '{"word":"hola"}' }], finishReason: "tool_calls" },
      { content: "It means hello." },
    ]);
    expect(outcome).toEqual({ status: "completed", answer: "It means hello.", forced: false, iterations: 2 });
    expect(events.map((e) => e.kind)).toEqual(["tool_call", "tool_result", "assistant_delta"]);
    expect(llm.requests[1]?.messages.at(-1)).toEqual({ role: "tool", tool_call_id: "c1", content: "hola means hello" });
    expect(llm.requests[0]?.tools?.map((t) => t.function.name)).toEqual(["lookup", "finish"]);
  });

  it("tells the model about an unknown tool or bad arguments instead of failing", async () => {
    const { outcome, llm } = await run([
      { toolCalls: [{ id: "c1", name: "nope", arguments: "{}" }] },
      { toolCalls: [{ id: "c2", name: "lookup", arguments: "{not json" }] },
      { toolCalls: [{ id: "c3", name: "finish", arguments: '{"answer":"done"}' }] },
    ]);
    expect(outcome).toMatchObject({ status: "completed", answer: "done" });
    expect(String(llm.requests[1]?.messages.at(-1)?.content)).toContain("There is no tool named nope");
    expect(String(llm.requests[2]?.messages.at(-1)?.content)).toContain("Invalid arguments for lookup");
  });

  it("forces an answer without tools once the step limit is reached", async () => {
    const call = { toolCalls: [{ id: "c", name: "lookup", arguments: '{"word":"x"}' }] };
    const { outcome, llm } = await run([call, call, { content: "best effort" }], { maxIterations: 2 });
    expect(outcome).toEqual({ status: "completed", answer: "best effort", forced: true, iterations: 2 });
    expect(llm.requests[2]?.tools).toBeUndefined();
  });

  it("speaks the JSON protocol to providers without tool calling", async () => {
    const { outcome, llm } = await run(
      [{ content: '{"tool":"lookup","arguments":{"word":"hola"}}' }, { content: '{"final":"hello"}' }],
      { toolCalling: "json" },
    );
    expect(outcome).toMatchObject({ status: "completed", answer: "hello" });
    expect(llm.requests[0]?.tools).toBeUndefined();
    expect(String(llm.requests[0]?.messages[0]?.content)).toContain('{"tool": "<tool name>"');
    expect(String(llm.requests[1]?.messages.at(-1)?.content)).toContain("hola means hello");
  });

  it("reports provider errors and cancellation as outcomes", async () => {
    const failed = await run([new AppError("rate_limited", "slow down")]);
    expect(failed.outcome).toEqual({
      status: "failed",
      error: { code: "rate_limited", message: "slow down" },
      iterations: 1,
    });
    const controller = new AbortController();
    controller.abort();
    const cancelled = await run([new DOMException("aborted", "AbortError")], {}, controller.signal);
    expect(cancelled.outcome.status).toBe("cancelled");
  });
});
