import { type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";

/**
 * An error that becomes a NestJS-style JSON reply `{statusCode, error, message}` — the shape Daytona's API sends and
 * the SDK maps to typed errors by status (`message` must stay a string, see daytona-api-subset.md §6).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Extra body fields, e.g. `{code, source}` which the SDK reads to pick a subclass. */
    readonly extra: Record<string, unknown> = {},
    /** Extra response headers, e.g. `retry-after` on a 429. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Writes `body` as JSON with an explicit Content-Length (keeps keep-alive connections cheap). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const data = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(data),
  });
  res.end(data);
}

/** Replies with the NestJS error body for `err` (an {@link ApiError}) or a generic 500 for anything else. */
export function sendError(req: IncomingMessage, res: ServerResponse, err: unknown) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const apiErr = err instanceof ApiError ? err : null;
  const status = apiErr?.status ?? 500;
  if (!apiErr) console.error("[sandbox-server] internal error:", err);
  const message = apiErr ? apiErr.message : "Internal server error";
  const body = {
    statusCode: status,
    timestamp: new Date().toISOString(),
    path: req.url ?? "",
    // Node's reason phrases are the ones NestJS (Daytona's API) puts in `error`: "Bad Request", "Not Found", ….
    error: STATUS_CODES[status] ?? "Error",
    message,
    ...apiErr?.extra,
  };
  // The request body may be unread (e.g. an upload refused early): close rather than desync keep-alive.
  if (!req.complete) res.setHeader("connection", "close");
  sendJson(res, status, body, apiErr?.headers);
}

/** Reads a small JSON request body (at most `limit` bytes). An empty body is `{}`. */
export async function readJson(req: IncomingMessage, limit = 1024 * 1024): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new ApiError(413, `request body exceeds ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new ApiError(400, "request body is not valid JSON");
  }
}

/** Compares two secrets in constant time (for equal lengths; different lengths fail fast, which leaks only length). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  if (x.length !== y.length) return false;
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** Checks `Authorization: Bearer <apiKey>`; throws a 401 otherwise. */
export function requireBearer(req: IncomingMessage, apiKey: string) {
  const header = req.headers.authorization ?? "";
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (!match?.[1] || !safeEqual(match[1].trim(), apiKey)) {
    throw new ApiError(401, "Invalid or missing API key");
  }
}
