/**
 * `POST /v1/chat/completions`: validation, routing by model name, failure injection, the reply (script queue or
 * solver), latency, and the JSON or SSE response — recorded in the request log.
 */
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { routeModel } from "./models";
import { completionBody, errorResponse, finish, parseChatRequest, usage } from "./protocol";
import { solve } from "./solver/index";
import { SSE_DONE, sseData, streamChunks } from "./sse";
import type { LlmState, RecordedRequest } from "./state";
import { completionTokens, estimateTokens, promptText } from "./tokens";
import type { ChatRequest, ErrorReply, Reply } from "./types";

/** Resolves after `ms`, or early when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Writes a JSON response with the request id header. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Sends an OpenAI-style error and fills the log entry. */
export function sendError(res: ServerResponse, rec: RecordedRequest, e: ErrorReply) {
  const { status, headers, body } = errorResponse(e);
  rec.status = status;
  rec.error = { type: body.error.type, code: body.error.code, message: body.error.message };
  sendJson(res, status, body, headers);
}

function pickReply(state: LlmState, req: ChatRequest, rec: RecordedRequest): Reply {
  const route = routeModel(req.model, {
    aliases: state.config.models,
    defaultMode: state.config.mode,
    acceptAnyModel: state.config.acceptAnyModel,
  });
  if (route.kind === "unknown") {
    return {
      kind: "error",
      status: 404,
      message: `The model \`${req.model}\` does not exist or you do not have access to it.`,
      type: "invalid_request_error",
      code: "model_not_found",
    };
  }
  const injected = state.faults.draw(req.model);
  if (injected) return injected;
  if (route.kind === "script") {
    rec.handler = `script:${route.queue}`;
    return (
      state.scripts.shift(route.queue) ?? {
        kind: "error",
        status: 400,
        message: `Script queue '${route.queue}' is empty: queue replies with POST /__admin/script first.`,
        type: "invalid_request_error",
        code: "script_exhausted",
      }
    );
  }
  const reply = solve(req, route.flags);
  rec.handler = `solver:${reply.role}`;
  return reply;
}

/** Handles one chat-completions request whose body is already read. */
export async function handleCompletion(
  state: LlmState,
  body: unknown,
  res: ServerResponse,
  rec: RecordedRequest,
  signal: AbortSignal,
): Promise<void> {
  const cfg = state.config;
  if (cfg.record === "full") rec.body = body;
  const parsed = parseChatRequest(body);
  if ("kind" in parsed) return sendError(res, rec, parsed);
  const req = parsed;
  rec.model = req.model;
  rec.stream = req.stream;

  const reply = pickReply(state, req, rec);
  await sleep(cfg.latencyMs + (reply.kind === "message" ? (reply.delayMs ?? 0) : 0), signal);
  if (signal.aborted) return;
  if (reply.kind === "error") return sendError(res, rec, reply);

  const calls = reply.toolCalls;
  const f = finish(reply.content, calls, req, reply.refusal ?? null);
  const prompt = promptText(req.messages, req.tools);
  const promptTokens = estimateTokens(prompt);
  const cached = Math.min(promptTokens, state.cache.lookupAndStore(req.model, prompt));
  const u = usage(promptTokens, completionTokens(f.content ?? f.refusal, f.toolCalls), cached);
  rec.reply = { content: f.content, toolCalls: f.toolCalls, finishReason: f.finishReason, refusal: f.refusal };
  rec.usage = u;
  rec.status = 200;
  const meta = {
    id: `chatcmpl-${randomBytes(12).toString("hex")}`,
    created: Math.floor(Date.now() / 1000),
    model: req.model,
  };

  if (!req.stream) {
    await sleep(u.completion_tokens * cfg.perTokenMs, signal);
    if (signal.aborted) return;
    if (reply.disconnectAfterChunks !== undefined) {
      rec.aborted = true;
      res.destroy();
      return;
    }
    return sendJson(res, 200, completionBody(meta, f, u));
  }

  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  res.flushHeaders();
  const start = performance.now();
  let tokens = 0;
  let written = 0;
  for (const chunk of streamChunks(meta, f, u, { chunkChars: cfg.streamChunkChars, includeUsage: req.includeUsage })) {
    if (reply.disconnectAfterChunks !== undefined && written >= reply.disconnectAfterChunks) {
      rec.aborted = true;
      res.destroy();
      return;
    }
    tokens += chunk.tokens;
    // Pace against the clock, not per chunk, so timer granularity does not add up over a long reply.
    await sleep(start + tokens * cfg.perTokenMs - performance.now(), signal);
    if (signal.aborted) return;
    res.write(sseData(chunk.payload));
    written += 1;
  }
  res.end(SSE_DONE);
}
