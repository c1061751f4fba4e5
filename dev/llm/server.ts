/**
 * The HTTP server: routing, bearer auth, body reading, the models endpoints and the admin API; completions are in
 * `completions.ts`. Node's `http` module only, so it runs anywhere the tests and benchmarks do.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { handleAdmin } from "./admin";
import { handleCompletion, sendError, sendJson } from "./completions";
import { BUILTIN_MODELS, routeModel } from "./models";
import type { LlmState, RecordedRequest } from "./state";

// Sub-calls can carry large chunks of a 100 MB context; anything past this is refused with 413 instead of buffered.
const MAX_BODY_BYTES = 256 * 1024 * 1024;
// A fixed `created` for model objects: they are static, and tests compare them.
const MODELS_CREATED = 1_700_000_000;

async function readBody(req: IncomingMessage): Promise<Buffer | "too_large"> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return "too_large";
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function modelObject(id: string) {
  return { id, object: "model", created: MODELS_CREATED, owned_by: "fleet-rlm-dev" };
}

function authorized(state: LlmState, req: IncomingMessage): "ok" | "missing" | "wrong" {
  const key = state.config.apiKey;
  if (key === null) return "ok";
  const header = req.headers.authorization;
  if (!header) return "missing";
  return header === `Bearer ${key}` ? "ok" : "wrong";
}

async function handle(state: LlmState, req: IncomingMessage, res: ServerResponse, signal: AbortSignal) {
  const url = new URL(req.url ?? "/", "http://localhost");
  const method = req.method ?? "GET";
  const path = url.pathname;

  if (path.startsWith("/__admin/")) {
    const raw = method === "POST" ? await readBody(req) : Buffer.alloc(0);
    let body: unknown;
    try {
      body = raw === "too_large" || raw.length === 0 ? undefined : JSON.parse(raw.toString("utf8"));
    } catch {
      return sendJson(res, 400, {
        error: { message: "Admin body is not valid JSON.", type: "invalid_request_error", param: null, code: null },
      });
    }
    const out = handleAdmin(state, method, url, body);
    return sendJson(res, out.status, out.body);
  }
  if (path === "/health" || path === "/healthz") return sendJson(res, 200, { ok: true });

  const requestId = `req_${randomBytes(16).toString("hex")}`;
  res.setHeader("x-request-id", requestId);
  const started = performance.now();
  const rec: RecordedRequest = {
    seq: state.log.nextSeq(),
    id: requestId,
    at: new Date().toISOString(),
    method,
    path,
    status: 0,
    durationMs: 0,
  };
  try {
    await serveApi(state, req, res, rec, url, signal);
  } finally {
    rec.durationMs = Math.round((performance.now() - started) * 1000) / 1000;
    if (signal.aborted && !res.writableFinished) rec.aborted = true;
    if (state.config.record !== "off") state.log.add(rec, state.config.maxRecords);
  }
}

async function serveApi(
  state: LlmState,
  req: IncomingMessage,
  res: ServerResponse,
  rec: RecordedRequest,
  url: URL,
  signal: AbortSignal,
) {
  const auth = authorized(state, req);
  if (auth !== "ok") {
    const message =
      auth === "missing"
        ? "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
        : "Incorrect API key provided. You can find your API key in your dev config.";
    // Drain the body so a keep-alive connection stays usable.
    await readBody(req);
    return sendError(res, rec, {
      kind: "error",
      status: 401,
      message,
      code: auth === "missing" ? null : "invalid_api_key",
    });
  }
  const route = `${rec.method} ${url.pathname.replace(/\/+$/, "")}`;
  if (route === "POST /v1/chat/completions") {
    const raw = await readBody(req);
    if (raw === "too_large")
      return sendError(res, rec, { kind: "error", status: 413, message: "Request body too large." });
    let body: unknown;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      return sendError(res, rec, {
        kind: "error",
        status: 400,
        message: "We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.",
      });
    }
    return handleCompletion(state, body, res, rec, signal);
  }
  const opts = { aliases: state.config.models, defaultMode: state.config.mode, acceptAnyModel: false };
  if (route === "GET /v1/models") {
    rec.status = 200;
    const ids = [...new Set([...BUILTIN_MODELS, ...state.config.models])];
    return sendJson(res, 200, { object: "list", data: ids.map(modelObject) });
  }
  const one = /^GET \/v1\/models\/(.+)$/.exec(route);
  if (one?.[1]) {
    const id = decodeURIComponent(one[1]);
    if (routeModel(id, opts).kind !== "unknown" || state.config.acceptAnyModel) {
      rec.status = 200;
      return sendJson(res, 200, modelObject(id));
    }
    return sendError(res, rec, {
      kind: "error",
      status: 404,
      message: `The model '${id}' does not exist`,
      code: "model_not_found",
      param: "model",
    });
  }
  await readBody(req);
  return sendError(res, rec, { kind: "error", status: 404, message: `Invalid URL (${rec.method} ${url.pathname})` });
}

/** Creates (but does not start) the HTTP server for `state`. */
export function createLlmServer(state: LlmState): Server {
  const server = createServer((req, res) => {
    const abort = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) abort.abort();
    });
    handle(state, req, res, abort.signal).catch((err: unknown) => {
      if (!res.headersSent) {
        sendJson(res, 500, {
          error: {
            message: `Scripted LLM internal error: ${String(err)}`,
            type: "server_error",
            param: null,
            code: null,
          },
        });
      } else {
        res.destroy();
      }
    });
  });
  // Keep-alive longer than clients' idle timeouts avoids races where a reused socket is closed under a request.
  server.keepAliveTimeout = 65_000;
  return server;
}
