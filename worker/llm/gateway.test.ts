/**
 * The gateway inside workerd against the scripted OpenAI-compatible server (`dev/llm/`): the real SDK, real HTTP,
 * real SSE. Each test scripts its own queue (`scripted:<id>`), so tests never share replies or request logs.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { llmRequests, receivedAt, redirectingModel, scriptedModel } from "../../test/worker/scripted-llm";
import { isAppError } from "../errors/index";
import { createLlmGateway, isAbortError, type LlmGatewayConfig } from "./index";
import type { FetchLike } from "./types";

const BASE_URL = env.OPENAI_BASE_URL ?? "";

/** Small waits so retry tests take milliseconds; retry-after is still honoured as sent. */
const FAST = { baseMs: 20, maxMs: 100 };

interface LoggedRequest {
  status: number;
  stream: boolean;
  usage: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details: { cached_tokens: number } };
  body: { stream_options?: unknown; tools?: unknown };
}

const requestsFor = (model: string) => llmRequests<LoggedRequest>(model);

function gateway(model: string, over: Partial<LlmGatewayConfig> = {}) {
  return createLlmGateway({
    baseUrl: BASE_URL,
    apiKey: env.OPENAI_API_KEY,
    models: { planner: model, delegate: model },
    backoff: FAST,
    ...over,
  });
}

/** The rejection of `promise`, failing the test when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail("expected the call to fail"),
    (err: unknown) => err,
  );
}

const ask = [{ role: "user" as const, content: "Say hello." }];

describe("completions", () => {
  it("returns content, usage and cost from a JSON completion", async () => {
    const model = await scriptedModel(["Hello there."]);
    const llm = gateway(model, { prices: { scripted: { input: 2, cachedInput: 1, output: 8 } } });
    const reply = await llm.complete({ role: "planner", messages: ask });
    const [logged] = await requestsFor(model);
    expect(logged?.stream).toBe(false);
    const usage = logged?.usage;
    expect(reply).toMatchObject({
      content: "Hello there.",
      toolCalls: [],
      finishReason: "stop",
      model,
      attempts: 1,
      usageEstimated: false,
      usage: {
        promptTokens: usage?.prompt_tokens,
        completionTokens: usage?.completion_tokens,
        cachedTokens: usage?.prompt_tokens_details.cached_tokens,
      },
    });
    expect(reply.usage.promptTokens).toBeGreaterThan(0);
    const { promptTokens: p, completionTokens: c, cachedTokens: k } = reply.usage;
    expect(reply.costUsd).toBeCloseTo(((p - k) * 2 + k * 1 + c * 8) / 1e6, 12);
    expect(llm.estimateCostUsd("planner", 1_000_000, 0)).toBe(2);
  });

  it("streams text deltas and still reports usage", async () => {
    const text = "Streaming replies arrive in small pieces, and the gateway hands each one to the caller at once.";
    const model = await scriptedModel([text]);
    const deltas: string[] = [];
    const reply = await gateway(model).complete({ role: "delegate", messages: ask, onDelta: (d) => deltas.push(d) });
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe(text);
    expect(reply.content).toBe(text);
    expect(reply.usageEstimated).toBe(false);
    expect(reply.usage.completionTokens).toBe(Math.ceil(text.length / 4));
    const [logged] = await requestsFor(model);
    expect(logged).toMatchObject({ stream: true, body: { stream_options: { include_usage: true } } });
  });

  it("assembles streamed tool calls", async () => {
    const model = await scriptedModel([
      {
        content: null,
        toolCalls: [
          { id: "call_a", name: "search_documents", arguments: { query: "quarterly revenue by region", limit: 5 } },
          { id: "call_b", name: "delegate_to_rlm", arguments: '{"query":"summarise"}' },
        ],
      },
    ]);
    const tools = ["search_documents", "delegate_to_rlm"].map((name) => ({
      type: "function" as const,
      function: { name, parameters: { type: "object", properties: {} } },
    }));
    const deltas: string[] = [];
    const reply = await gateway(model).complete({
      role: "planner",
      messages: ask,
      tools,
      toolChoice: "auto",
      onDelta: (d) => deltas.push(d),
    });
    expect(reply.finishReason).toBe("tool_calls");
    expect(reply.toolCalls).toEqual([
      {
        id: "call_a",
        name: "search_documents",
        arguments: JSON.stringify({ query: "quarterly revenue by region", limit: 5 }),
      },
      { id: "call_b", name: "delegate_to_rlm", arguments: '{"query":"summarise"}' },
    ]);
    expect(deltas).toEqual([]);
    expect((await requestsFor(model))[0]?.body.tools).toHaveLength(2);
  });

  it("sends no Authorization header without a key and no SDK runtime headers, through an injected fetch", async () => {
    const seen: Array<string | null> = [];
    const names: string[] = [];
    const fake: FetchLike = async (input, init) => {
      expect(String(input)).toBe(`${BASE_URL}/chat/completions`);
      seen.push(new Headers(init?.headers).get("authorization"));
      new Headers(init?.headers).forEach((_, name) => void names.push(name));
      const body = {
        id: "c",
        object: "chat.completion",
        created: 0,
        model: "local-model",
        choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
      };
      return Response.json(body);
    };
    const llm = gateway("local-model", { apiKey: undefined, fetch: fake });
    const reply = await llm.complete({ role: "planner", messages: ask });
    expect(seen).toEqual([null]);
    expect(names).toContain("content-type");
    expect(names.filter((name) => name.startsWith("x-stainless-"))).toEqual([]);
    // No usage from the server: estimated, so the budget never sees a free call.
    expect(reply).toMatchObject({ content: "hi", usageEstimated: true, costUsd: 0 });
    expect(reply.usage.promptTokens).toBeGreaterThan(0);
  });
});

describe("retries", () => {
  it("waits out a 429's retry-after, then succeeds", async () => {
    const model = await scriptedModel([{ error: { status: 429, retryAfter: 1 } }, "after the wait"]);
    const reply = await gateway(model).complete({ role: "planner", messages: ask });
    expect(reply).toMatchObject({ content: "after the wait", attempts: 2 });
    // retry-after-ms is 1000: the wait is the provider's, not the 20 ms backoff.
    expect(reply.latencyMs).toBeGreaterThanOrEqual(900);
    expect((await requestsFor(model)).map((r) => r.status)).toEqual([429, 200]);
  });

  it("retries server errors with backoff", async () => {
    const model = await scriptedModel([{ error: { status: 500 } }, { error: { status: 502 } }, "third time lucky"]);
    const reply = await gateway(model).complete({ role: "planner", messages: ask });
    expect(reply).toMatchObject({ content: "third time lucky", attempts: 3 });
    expect((await requestsFor(model)).map((r) => r.status)).toEqual([500, 502, 200]);
  });

  it("retries a stream cut off before any text", async () => {
    const model = await scriptedModel([{ content: "lost", disconnectAfterChunks: 1 }, "kept"]);
    const reply = await gateway(model).complete({ role: "planner", messages: ask, onDelta: () => {} });
    expect(reply).toMatchObject({ content: "kept", attempts: 2 });
  });

  it("fails fast with rate_limited when retry-after is longer than it will wait", async () => {
    const model = await scriptedModel([{ error: { status: 429, retryAfter: 120 } }]);
    const err = await rejection(gateway(model).complete({ role: "planner", messages: ask }));
    expect(err).toMatchObject({ code: "rate_limited", retryAfter: 120, details: { attempts: 1 } });
  });
});

describe("failures", () => {
  it("reports llm_auth_failed on 401 without retrying", async () => {
    const model = await scriptedModel([{ error: { status: 401 } }, "never reached"]);
    const err = await rejection(gateway(model).complete({ role: "planner", messages: ask }));
    expect(isAppError(err) && err.code).toBe("llm_auth_failed");
    expect(String((err as Error).message)).toMatch(/check the API key/);
    expect(await requestsFor(model)).toHaveLength(1);
  });

  it("reports a refusal as model_declined in the model's words, streamed or not, and never asks again", async () => {
    for (const stream of [false, true]) {
      const model = await scriptedModel([{ refusal: "I cannot help with that." }, "never reached"]);
      const onDelta = stream ? () => {} : undefined;
      const err = await rejection(gateway(model).complete({ role: "planner", messages: ask, onDelta }));
      expect(isAppError(err) && err.code).toBe("model_declined");
      expect((err as Error).message).toBe("I cannot help with that.");
      expect((err as { details?: unknown }).details).toMatchObject({ model, endpoint: BASE_URL.replace(/\/$/, "") });
      expect(await requestsFor(model)).toHaveLength(1);
    }
  });

  it("leads every error with the gateway's source, so a broken profile is named where it fails", async () => {
    const model = await scriptedModel([{ error: { status: 401 } }]);
    const source = "LLM profile “work” (https://llm.example/v1)";
    const err = await rejection(gateway(model, { source }).complete({ role: "planner", messages: ask }));
    expect(isAppError(err) && err.code).toBe("llm_auth_failed");
    expect((err as Error).message).toMatch(
      /^LLM profile “work” \(https:\/\/llm\.example\/v1\): The LLM provider rejected/,
    );
    expect((err as { details?: unknown }).details).toMatchObject({ source });
  });

  it("never puts a wrong key in the error", async () => {
    const wrongKey = "sk-wrong-0123456789abcdefghijklmnop";
    const err = await rejection(
      gateway("scripted:unused", { apiKey: wrongKey }).complete({ role: "planner", messages: ask }),
    );
    expect(err).toMatchObject({ code: "llm_auth_failed" });
    expect(JSON.stringify({ ...(err as object), message: (err as Error).message })).not.toContain("0123456789");
  });

  it("reports context_too_long for a context-length 400, from the code or the wording alone", async () => {
    const model = await scriptedModel([
      { error: { status: 400, code: "context_length_exceeded", message: "Too many tokens." } },
      { error: { status: 400, message: "This model's maximum context length is 8192 tokens." } },
    ]);
    const llm = gateway(model);
    await expect(llm.complete({ role: "planner", messages: ask })).rejects.toMatchObject({ code: "context_too_long" });
    await expect(llm.complete({ role: "planner", messages: ask })).rejects.toMatchObject({ code: "context_too_long" });
    expect(await requestsFor(model)).toHaveLength(2);
  });

  it("does not follow a redirect: the prompt never reaches the other server, and the error says why", async () => {
    const { model, target } = await redirectingModel();
    const err = await rejection(
      gateway(model).complete({ role: "planner", messages: [{ role: "user", content: "the secret context" }] }),
    );
    expect(await receivedAt(target)).toEqual([]);
    expect(isAppError(err) && err.code).toBe("upstream_error");
    expect((err as Error).message).toContain(BASE_URL);
    expect((err as Error).message).toContain("redirects are not followed");
    expect(err).toMatchObject({ details: { status: 307, attempts: 1 } });
  });

  it("reports other 4xx as upstream_error with the provider's message", async () => {
    const model = await scriptedModel([{ error: { status: 404, message: "The model `nope` does not exist." } }]);
    const err = await rejection(gateway(model).complete({ role: "planner", messages: ask }));
    expect(err).toMatchObject({ code: "upstream_error", details: { status: 404, attempts: 1 } });
    expect((err as Error).message).toContain("does not exist");
  });

  it("reports unavailable after retries when the provider is down", async () => {
    const llm = gateway("gpt-4o", { baseUrl: "http://127.0.0.1:9/v1", maxRetries: 2 });
    const err = await rejection(llm.complete({ role: "planner", messages: ask }));
    expect(err).toMatchObject({ code: "unavailable", details: { attempts: 3 } });
    expect((err as Error).message).toMatch(/provider down/);
  });

  it("reports timeout after each attempt ran out of time", async () => {
    const model = await scriptedModel([
      { content: "late", delayMs: 5_000 },
      { content: "late", delayMs: 5_000 },
    ]);
    const llm = gateway(model, { timeoutMs: 200, maxRetries: 1 });
    const err = await rejection(llm.complete({ role: "planner", messages: ask }));
    expect(err).toMatchObject({ code: "timeout", details: { attempts: 2 } });
  });
});

/** Passes the response through until `events` SSE events were delivered, then stalls like a hung upstream. */
function stallAfter(events: number): FetchLike {
  return async (input, init) => {
    const res = await fetch(input, init);
    if (!res.body) return res;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    const encoder = new TextEncoder();
    let buffered = "";
    let sent = 0;
    const stalled = new Promise<never>((_, reject) => {
      init?.signal?.addEventListener("abort", () => reject(init.signal?.reason), { once: true });
    });
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent >= events) return stalled;
        while (!buffered.includes("\n\n")) {
          const { done, value } = await reader.read();
          if (done) return controller.close();
          buffered += value;
        }
        const end = buffered.indexOf("\n\n") + 2;
        controller.enqueue(encoder.encode(buffered.slice(0, end)));
        buffered = buffered.slice(end);
        sent += 1;
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return new Response(body, { status: res.status, headers: res.headers });
  };
}

describe("cancellation", () => {
  it("aborts a stalled stream promptly with an AbortError", async () => {
    const model = await scriptedModel(["This answer never finishes streaming because the upstream hangs."]);
    const controller = new AbortController();
    const deltas: string[] = [];
    const started = Date.now();
    const call = gateway(model, { fetch: stallAfter(2) }).complete({
      role: "planner",
      messages: ask,
      signal: controller.signal,
      onDelta: (d) => {
        deltas.push(d);
        setTimeout(() => controller.abort(), 50);
      },
    });
    const err = await rejection(call);
    expect(isAbortError(err)).toBe(true);
    expect(isAppError(err)).toBe(false);
    expect(deltas).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("aborts while waiting for the response, and during a retry wait", async () => {
    const model = await scriptedModel([{ content: "slow", delayMs: 10_000 }]);
    const err = await rejection(
      gateway(model).complete({ role: "planner", messages: ask, signal: AbortSignal.timeout(100) }),
    );
    expect(isAbortError(err)).toBe(true);

    const limited = await scriptedModel([{ error: { status: 429, retryAfter: 20 } }, "unused"]);
    const started = Date.now();
    const waiting = await rejection(
      gateway(limited).complete({ role: "planner", messages: ask, signal: AbortSignal.timeout(300) }),
    );
    expect(isAbortError(waiting)).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("passes an exception from onDelta through untouched", async () => {
    const model = await scriptedModel(["some streamed text"]);
    const boom = new Error("consumer failed");
    const err = await rejection(
      gateway(model).complete({
        role: "planner",
        messages: ask,
        onDelta: () => {
          throw boom;
        },
      }),
    );
    expect(err).toBe(boom);
    expect(await requestsFor(model)).toHaveLength(1);
  });
});
