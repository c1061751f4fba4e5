/** Non-streamed completions on the SDK's prebuilt request: same wire request, same typed errors. */
import { APIConnectionError, OpenAI, RateLimitError } from "openai";
import { describe, expect, it } from "vitest";
import { classifyFailure } from "./errors";
import { plainCompletion } from "./plain-completion";
import type { FetchLike } from "./types";

const params = { model: "m", messages: [{ role: "user" as const, content: "hi" }] };
const completion = {
  id: "c",
  object: "chat.completion",
  created: 0,
  model: "m",
  choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
};

function client(apiKey = "sk-test-key") {
  return new OpenAI({
    baseURL: "http://llm.test/v1",
    apiKey,
    maxRetries: 0,
    fetch: () => Promise.reject(new Error("unused")),
  });
}

describe("plainCompletion", () => {
  it("sends the SDK's URL and headers with each call's body and signal, building them once", async () => {
    const seen: Array<{ url: string; headers: Headers; body: unknown; signal: AbortSignal | null | undefined }> = [];
    const fake: FetchLike = async (input, init) => {
      seen.push({
        url: String(input),
        headers: new Headers(init?.headers),
        body: JSON.parse(String(init?.body)),
        signal: init?.signal,
      });
      return Response.json(completion);
    };
    const sdk = client();
    let builds = 0;
    const build = sdk.buildRequest.bind(sdk);
    sdk.buildRequest = (...args) => {
      builds += 1;
      return build(...args);
    };
    const send = plainCompletion(sdk, fake);
    const signal = new AbortController().signal;
    expect(await send(params, signal)).toEqual(completion);
    await send({ ...params, model: "other" }, signal);
    expect(builds).toBe(1);
    expect(seen.map((s) => s.url)).toEqual([
      "http://llm.test/v1/chat/completions",
      "http://llm.test/v1/chat/completions",
    ]);
    expect(seen[0]?.headers.get("authorization")).toBe("Bearer sk-test-key");
    expect(seen[0]?.headers.get("content-type")).toBe("application/json");
    expect(seen.map((s) => (s.body as { model: string }).model)).toEqual(["m", "other"]);
    expect(seen[0]?.signal).toBe(signal);
  });

  it("turns an error status into the SDK's typed error, with the provider's code and retry-after", async () => {
    const fake: FetchLike = async () =>
      Response.json(
        { error: { message: "slow down", code: "rate_limit_exceeded" } },
        { status: 429, headers: { "retry-after": "2" } },
      );
    const err = await plainCompletion(client(), fake)(params, new AbortController().signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect(classifyFailure(err, false)).toEqual({
      kind: "http",
      status: 429,
      code: "rate_limit_exceeded",
      message: "slow down",
      retryAfterMs: 2000,
    });
  });

  it("keeps a non-JSON error body as the message", async () => {
    const fake: FetchLike = async () => new Response("bad gateway page", { status: 502 });
    const err = await plainCompletion(client(), fake)(params, new AbortController().signal).catch((e: unknown) => e);
    expect(classifyFailure(err, false)).toMatchObject({
      kind: "http",
      status: 502,
      message: expect.stringContaining("bad gateway page"),
    });
  });

  it("reports a refused connection as the SDK's connection error, and an abort as the fetch's own", async () => {
    const refused: FetchLike = async () => {
      throw new TypeError("connect ECONNREFUSED");
    };
    const err = await plainCompletion(client(), refused)(params, new AbortController().signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIConnectionError);
    expect(classifyFailure(err, false).kind).toBe("connection");

    const controller = new AbortController();
    const aborted: FetchLike = async (_input, init) => {
      controller.abort();
      throw init?.signal?.reason;
    };
    const abort = await plainCompletion(client(), aborted)(params, controller.signal).catch((e: unknown) => e);
    expect(abort).not.toBeInstanceOf(APIConnectionError);
    expect((abort as Error).name).toBe("AbortError");
  });
});
