/**
 * A local OTLP/HTTP trace receiver for tests and for looking at spans by hand. It is as strict as a collector:
 * `POST /v1/traces` takes `application/json` (checked against the OTLP/JSON mapping) or `application/x-protobuf`
 * (decoded with the official definitions, see `./otlp-decode.ts`), and refuses a malformed request whole with 400.
 *
 * - `GET /__admin/spans?traceId=<hex>`: the spans received (of one trace), oldest first, attributes as a plain object.
 * - `GET /__admin/requests`: the headers of each export request (to check `OTEL_EXPORTER_OTLP_HEADERS`), its
 *   content type, and the status it was answered with.
 */
import { createServer, type IncomingMessage } from "node:http";
import { type DecodedSpan, decodeJsonRequest, decodeProtoRequest, OtlpDecodeError } from "./otlp-decode";

/** One received span; see {@link DecodedSpan}. */
export type ReceivedSpan = DecodedSpan;

/** One export request as the receiver saw it. */
export interface ReceivedRequest {
  headers: Record<string, string>;
  contentType: string;
  status: number;
  spans: number;
  error?: string;
}

/** A running receiver. */
export interface OtlpReceiver {
  /** Base URL to use as `OTEL_EXPORTER_OTLP_ENDPOINT`, e.g. `http://127.0.0.1:41234`. */
  url: string;
  stop(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Starts a receiver on a free loopback port. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const requests: ReceivedRequest[] = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://receiver");
    const body = await readBody(req);
    const reply = (status: number, json: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(json));
    };
    if (url.pathname === "/__admin/spans") {
      const traceId = url.searchParams.get("traceId");
      return reply(200, { spans: spans.filter((s) => !traceId || s.traceId === traceId) });
    }
    if (url.pathname === "/__admin/requests") return reply(200, { requests });
    if (url.pathname !== "/v1/traces" || req.method !== "POST") return reply(404, { error: "not found" });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
    const contentType = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    const answer = (status: number, count: number, error?: string) => {
      requests.push({ headers, contentType, status, spans: count, ...(error ? { error } : {}) });
      // An empty ExportTraceServiceResponse means everything was accepted; a refusal carries a Status-like body.
      reply(status, error ? { code: 3, message: error } : {});
    };
    let decoded: { spans: DecodedSpan[] };
    try {
      if (contentType === "application/json") decoded = decodeJsonRequest(body.toString("utf8"));
      else if (contentType === "application/x-protobuf") decoded = decodeProtoRequest(new Uint8Array(body));
      else return answer(415, 0, `unsupported content type ${contentType || "(none)"}`);
    } catch (err) {
      if (err instanceof OtlpDecodeError) return answer(400, 0, err.message);
      throw err;
    }
    spans.push(...decoded.spans);
    answer(200, decoded.spans.length);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("OTLP receiver did not bind");
  return {
    url: `http://127.0.0.1:${address.port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A sender cut off mid-request (a test aborting its host) must not hold the close open.
        server.closeAllConnections();
      }),
  };
}
