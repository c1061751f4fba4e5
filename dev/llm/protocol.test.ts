import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ScriptedLlm, startScriptedLlm } from "./index";

const KEY = "sk-test-key";
let llm: ScriptedLlm;
let client: OpenAI;

beforeAll(async () => {
  llm = await startScriptedLlm({ apiKey: KEY });
  client = new OpenAI({ baseURL: llm.url, apiKey: KEY, maxRetries: 0 });
});
afterAll(() => llm.stop());
afterEach(() => llm.reset());

const hi = [{ role: "user" as const, content: "hello" }];

describe("chat completions (JSON)", () => {
  it("returns an OpenAI chat.completion with usage by the chars/4 estimate", async () => {
    llm.script(["hi there"], "json");
    const res = await client.chat.completions.create({ model: "scripted:json", messages: hi });
    expect(res.object).toBe("chat.completion");
    expect(res.id).toMatch(/^chatcmpl-/);
    expect(res.model).toBe("scripted:json");
    expect(res.choices).toEqual([
      {
        index: 0,
        message: { role: "assistant", content: "hi there", refusal: null },
        logprobs: null,
        finish_reason: "stop",
      },
    ]);
    // "user\nhello\n" is 11 characters → 3 tokens; "hi there" is 8 → 2.
    expect(res.usage).toEqual({
      prompt_tokens: 3,
      completion_tokens: 2,
      total_tokens: 5,
      prompt_tokens_details: { cached_tokens: 0 },
    });
    const [rec] = llm.requests();
    expect(rec).toMatchObject({ path: "/v1/chat/completions", status: 200, handler: "script:json", stream: false });
    expect(rec?.body).toMatchObject({ messages: hi });
  });

  it("reports a repeated long prefix as cached tokens", async () => {
    const system = { role: "system" as const, content: "x".repeat(6000) };
    const first = await client.chat.completions.create({ model: "solver", messages: [system, ...hi] });
    const second = await client.chat.completions.create({
      model: "solver",
      messages: [system, { role: "user", content: "ping 2" }],
    });
    expect(first.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    // 6000 shared characters hold 11 whole 512-char blocks: 11 × 128 tokens.
    expect(second.usage?.prompt_tokens_details?.cached_tokens).toBe(1408);
  });

  it("applies stop sequences and max_tokens like a decoder", async () => {
    llm.script(["alpha beta gamma delta", "0123456789abcdefghij"], "limits");
    const stopped = await client.chat.completions.create({ model: "scripted:limits", messages: hi, stop: [" gamma"] });
    expect(stopped.choices[0]?.message.content).toBe("alpha beta");
    const cut = await client.chat.completions.create({ model: "scripted:limits", messages: hi, max_tokens: 2 });
    expect(cut.choices[0]?.message.content).toBe("01234567");
    expect(cut.choices[0]?.finish_reason).toBe("length");
  });

  it("returns tool calls in OpenAI's function-calling shape", async () => {
    llm.script([{ toolCalls: [{ id: "call_1", name: "delegate_to_rlm", arguments: { query: "count" } }] }], "tools");
    const res = await client.chat.completions.create({ model: "scripted:tools", messages: hi });
    expect(res.choices[0]?.finish_reason).toBe("tool_calls");
    expect(res.choices[0]?.message.content).toBeNull();
    expect(res.choices[0]?.message.tool_calls).toEqual([
      { id: "call_1", type: "function", function: { name: "delegate_to_rlm", arguments: '{"query":"count"}' } },
    ]);
  });
});

describe("chat completions (streaming)", () => {
  it("streams chunks, a finish chunk, a usage chunk and [DONE]", async () => {
    const text = "The quick brown fox jumps over the lazy dog, twice over.";
    llm.script([text], "sse");
    const stream = await client.chat.completions.create({
      model: "scripted:sse",
      messages: hi,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: Array<typeof stream extends AsyncIterable<infer C> ? C : never> = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.id === chunks[0]?.id)).toBe(true);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe(text);
    expect(chunks.length).toBeGreaterThan(4);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    // 56 characters → 14 tokens.
    expect(last?.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 14, total_tokens: 17 });
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
  });

  it("streams without a usage chunk unless asked", async () => {
    llm.script(["short"], "sse2");
    const stream = await client.chat.completions.create({ model: "scripted:sse2", messages: hi, stream: true });
    const chunks: Array<typeof stream extends AsyncIterable<infer C> ? C : never> = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.some((c) => c.usage)).toBe(false);
  });

  it("streams tool-call deltas that the SDK assembles", async () => {
    const args = JSON.stringify({ query: "How many items have label 'entity'?", context: "doc-1" });
    llm.script([{ toolCalls: [{ id: "call_x", name: "delegate_to_rlm", arguments: args }] }], "sse-tools");
    const stream = client.chat.completions.stream({ model: "scripted:sse-tools", messages: hi });
    const deltas: unknown[] = [];
    stream.on("chunk", (c) => deltas.push(c.choices[0]?.delta.tool_calls));
    const done = await stream.finalChatCompletion();
    const call = done.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === "function" && call.function).toEqual({ name: "delegate_to_rlm", arguments: args });
    expect(call?.id).toBe("call_x");
    expect(done.choices[0]?.finish_reason).toBe("tool_calls");
    // The first tool-call delta opens the call; the arguments then arrive in several pieces.
    expect(deltas.filter(Boolean).length).toBeGreaterThan(3);
  });

  it("paces a stream by per-token latency", async () => {
    llm.configure({ perTokenMs: 2 });
    llm.script(["x".repeat(400)], "slow");
    const t0 = performance.now();
    const stream = await client.chat.completions.create({ model: "scripted:slow", messages: hi, stream: true });
    for await (const _ of stream);
    // 100 tokens × 2 ms.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
  });

  it("can drop a stream mid-way", async () => {
    llm.script([{ content: "one two three four five six seven eight nine ten", disconnectAfterChunks: 2 }], "drop");
    const stream = await client.chat.completions.create({ model: "scripted:drop", messages: hi, stream: true });
    await expect(async () => {
      for await (const _ of stream);
    }).rejects.toThrow();
    await expect.poll(() => llm.requests()[0]?.aborted).toBe(true);
  });
});

describe("errors", () => {
  it("401 without or with a wrong key, in OpenAI's error shape", async () => {
    const wrong = new OpenAI({ baseURL: llm.url, apiKey: "nope", maxRetries: 0 });
    const err = await wrong.chat.completions.create({ model: "solver", messages: hi }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe("invalid_api_key");
    const res = await fetch(`${llm.url}/chat/completions`, { method: "POST", body: "{}" });
    expect(res.status).toBe(401);
    const body = await res.json();
    expect(body).toEqual({
      error: { message: expect.stringContaining("API key"), type: "invalid_request_error", param: null, code: null },
    });
  });

  it("400 for missing messages and bad JSON", async () => {
    // SAFETY: deliberately invalid body to exercise validation.
    const bad = { model: "solver" } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;
    const err = await client.chat.completions.create(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("messages");
    const res = await fetch(`${llm.url}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}` },
      body: "{not json",
    });
    expect(res.status).toBe(400);
  });

  it("404 for an unknown model", async () => {
    const err = await client.chat.completions.create({ model: "gpt-unknown", messages: hi }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
  });

  it("429 with retry-after, and the SDK retries it when allowed", async () => {
    llm.failNext({ status: 429, count: 1, retryAfter: 0.05 });
    const err = await client.chat.completions.create({ model: "solver", messages: hi }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const rate = err as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rate.headers.get("retry-after")).toBe("1");
    expect(rate.headers.get("retry-after-ms")).toBe("50");
    expect(rate.code).toBe("rate_limit_exceeded");

    llm.failNext({ status: 429, count: 1, retryAfter: 0.05 });
    const retrying = new OpenAI({ baseURL: llm.url, apiKey: KEY, maxRetries: 2 });
    const ok = await retrying.chat.completions.create({
      model: "solver",
      messages: [{ role: "user", content: "ping 1" }],
    });
    expect(ok.choices[0]?.message.content).toBe("pong 1");
    expect(llm.requests().map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it("500 and 503 from fail-next, scripts, and a seeded failure rate", async () => {
    llm.failNext({ status: 500, count: 1 });
    const e500 = await client.chat.completions.create({ model: "solver", messages: hi }).catch((e: unknown) => e);
    expect(e500).toBeInstanceOf(OpenAI.InternalServerError);
    expect((e500 as InstanceType<typeof OpenAI.InternalServerError>).status).toBe(500);

    llm.script([{ error: { status: 503, message: "overloaded" } }], "err");
    const e503 = await client.chat.completions.create({ model: "scripted:err", messages: hi }).catch((e: unknown) => e);
    expect((e503 as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((e503 as InstanceType<typeof OpenAI.APIError>).headers?.get("retry-after")).toBeNull();

    const outcomes = async () => {
      llm.failRate({ probability: 0.5, status: 500, seed: 42 });
      const out: number[] = [];
      for (let i = 0; i < 20; i++) {
        out.push(
          await client.chat.completions
            .create({ model: "solver", messages: hi })
            .then(() => 200)
            .catch((e: InstanceType<typeof OpenAI.APIError>) => e.status ?? 0),
        );
      }
      return out;
    };
    const a = await outcomes();
    const b = await outcomes();
    expect(a).toEqual(b);
    expect(a.filter((s) => s === 500).length).toBeGreaterThan(3);
    expect(a.filter((s) => s === 200).length).toBeGreaterThan(3);
  });

  it("only fails the model a rule names", async () => {
    llm.failNext({ status: 500, count: 5, model: "scripted:*" });
    await expect(client.chat.completions.create({ model: "solver", messages: hi })).resolves.toBeTruthy();
    await expect(client.chat.completions.create({ model: "scripted:a", messages: hi })).rejects.toThrow();
  });
});

describe("start options", () => {
  it("applies start-time faults and restores them on reset", async () => {
    const own = await startScriptedLlm({ faults: { failNext: { status: 503, count: 1 } } });
    try {
      const c = new OpenAI({ baseURL: own.url, apiKey: "x", maxRetries: 0 });
      const statuses = async () => {
        const out: number[] = [];
        for (let i = 0; i < 2; i++) {
          out.push(
            await c.chat.completions
              .create({ model: "solver", messages: hi })
              .then(() => 200)
              .catch((e: InstanceType<typeof OpenAI.APIError>) => e.status ?? 0),
          );
        }
        return out;
      };
      expect(await statuses()).toEqual([503, 200]);
      own.reset();
      expect(await statuses()).toEqual([503, 200]);
    } finally {
      await own.stop();
    }
  });
});

describe("latency and models", () => {
  it("waits the fixed latency, changeable at runtime", async () => {
    llm.configure({ latencyMs: 120 });
    const t0 = performance.now();
    await client.chat.completions.create({ model: "solver", messages: hi });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(115);
  });

  it("lists and retrieves models, including aliases", async () => {
    llm.configure({ models: ["gpt-5-mini"] });
    const list = await client.models.list();
    expect(list.data.map((m) => m.id)).toEqual(["scripted", "solver", "solver-depth2", "gpt-5-mini"]);
    await expect(client.models.retrieve("scripted:abc")).resolves.toMatchObject({
      id: "scripted:abc",
      object: "model",
    });
    await expect(client.models.retrieve("nope")).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const res = await client.chat.completions.create({
      model: "gpt-5-mini",
      messages: [{ role: "user", content: "ping 9" }],
    });
    expect(res.choices[0]?.message.content).toBe("pong 9");
  });

  it("404s unknown routes in OpenAI's words", async () => {
    const res = await fetch(`${llm.url}/embeddings`, { method: "POST", headers: { authorization: `Bearer ${KEY}` } });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { message: "Invalid URL (POST /v1/embeddings)" } });
  });
});

describe("admin API over HTTP", () => {
  const admin = (path: string, body?: unknown) =>
    fetch(`${llm.origin}/__admin/${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: await r.json() }));

  it("scripts, configures, injects faults, records and resets", async () => {
    expect(await admin("script", { scriptId: "h", replies: ["one", { content: "two" }] })).toEqual({
      status: 200,
      body: { scriptId: "h", queued: 2 },
    });
    expect((await admin("script")).body).toEqual({ queues: { h: 2 } });
    expect((await admin("config", { latencyMs: 5 })).body).toMatchObject({ latencyMs: 5, apiKey: KEY });
    expect((await admin("faults", { failNext: { status: 503, count: 1 } })).body).toMatchObject({
      next: [{ status: 503, count: 1 }],
    });
    await expect(client.chat.completions.create({ model: "scripted:h", messages: hi })).rejects.toThrow();
    const one = await client.chat.completions.create({ model: "scripted:h", messages: hi });
    expect(one.choices[0]?.message.content).toBe("one");
    const { body } = (await admin("requests?model=scripted:h")) as { body: { requests: Array<{ status: number }> } };
    expect(body.requests.map((r: { status: number }) => r.status)).toEqual([503, 200]);
    expect((await admin("config", { nope: 1 })).status).toBe(400);
    expect((await admin("reset", {})).body).toEqual({ ok: true });
    expect((await admin("requests")).body).toEqual({ requests: [] });
    expect((await admin("config")).body).toMatchObject({ latencyMs: 0 });
  });
});
