/**
 * Non-streamed chat completions (every sub-call) sent with one `fetch`, on the wire request the OpenAI SDK builds.
 *
 * Profiled in workerd (`bench/fan-out-floor`), the SDK's per-request pipeline cost about as much CPU as the request
 * itself: headers rebuilt and validated on every call, log lines formatted (URL redaction, header copies) even with
 * logging off, and three timers with abort listeners per call (its request timeout, its body timeout and ours). With
 * `fetch`-bound fan-out at high concurrency that CPU is the throughput. So the SDK builds the request once — URL,
 * authentication and headers, exactly as it would send them — and each call reuses it with its own body and signal.
 * Failures still come out as the SDK's typed errors (`APIError.generate`, `APIConnectionError`), which
 * `./errors.ts` classifies as before; the attempt timer and retries stay the gateway's (`./abort.ts`, `./retry.ts`).
 * Streamed calls keep the SDK's full path: its SSE parser is what they need, and they are few.
 */
import { APIConnectionError, APIError, type OpenAI } from "openai";
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import type { FetchLike } from "./types";

/** Sends one non-streamed completion; rejects with the SDK's error types, or the fetch's own on abort. */
export type PlainCompletion = (
  params: ChatCompletionCreateParamsNonStreaming,
  signal: AbortSignal,
) => Promise<ChatCompletion>;

interface WireRequest {
  url: string;
  headers: Headers;
}

/** The SDK's request for `POST /chat/completions`, built once without a body of interest (only its headers count). */
async function wireRequest(client: OpenAI): Promise<WireRequest> {
  const { req, url } = await client.buildRequest({ method: "post", path: "/chat/completions", body: {} });
  return { url, headers: new Headers(req.headers) };
}

/** The SDK's status error for a non-2xx answer, from its body as the SDK reads it (JSON when it parses). */
async function statusError(res: Response): Promise<APIError> {
  const text = await res.text().catch((err: unknown) => (err instanceof Error ? err.message : String(err)));
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  // The SDK's own normalisation: a bare `{message, …}` body is the `error` object itself.
  const error =
    body && typeof body === "object" && (body as { error?: unknown }).error == null ? { error: body } : body;
  return APIError.generate(res.status, error as object | undefined, body === undefined ? text : undefined, res.headers);
}

/**
 * A sender for `client`'s endpoint through `fetchImpl` (the gateway's redirect-refusing fetch). The wire request is
 * built on first use and kept; a failure to build it is not kept, so the next call tries again.
 */
export function plainCompletion(client: OpenAI, fetchImpl: FetchLike): PlainCompletion {
  let wire: Promise<WireRequest> | undefined;
  return async (params, signal) => {
    wire ??= wireRequest(client).catch((err: unknown) => {
      wire = undefined;
      throw err;
    });
    const { url, headers } = await wire;
    let res: Response;
    try {
      res = await fetchImpl(url, { method: "POST", headers, body: JSON.stringify(params), signal });
    } catch (err) {
      // An abort is the caller's or the attempt timer's, which the gateway tells apart by its signals.
      if (signal.aborted) throw err;
      throw new APIConnectionError({ cause: err instanceof Error ? err : new Error(String(err)) });
    }
    if (!res.ok) throw await statusError(res);
    return (await res.json()) as ChatCompletion;
  };
}
