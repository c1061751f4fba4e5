/**
 * A local OTLP/HTTP JSON trace receiver for tests and for looking at spans by hand: it accepts
 * `POST /v1/traces` (`ExportTraceServiceRequest` as JSON) and keeps every span, flattened.
 *
 * - `GET /__admin/spans?traceId=<hex>`: the spans received (of one trace), oldest first, attributes as a plain object.
 * - `GET /__admin/requests`: the headers of each export request, to check `OTEL_EXPORTER_OTLP_HEADERS`.
 */
import { createServer, type IncomingMessage } from "node:http";

/** One received span with its attributes flattened (`{stringValue}` → string, `{intValue}` → number, …). */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Record<string, string | number | boolean>;
  status: { code?: number; message?: string };
}

/** A running receiver. */
export interface OtlpReceiver {
  /** Base URL to use as `OTEL_EXPORTER_OTLP_ENDPOINT`, e.g. `http://127.0.0.1:41234`. */
  url: string;
  stop(): Promise<void>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}

interface OtlpSpan extends Omit<ReceivedSpan, "attributes" | "parentSpanId"> {
  parentSpanId?: string;
  attributes?: Array<{ key: string; value: OtlpValue }>;
}

interface OtlpRequest {
  resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: OtlpSpan[] }> }>;
}

function flatten(value: OtlpValue): string | number | boolean {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  return value.boolValue ?? "";
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Starts a receiver on a free loopback port. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const requests: Array<{ headers: Record<string, string>; spans: number }> = [];
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
    if (!req.headers["content-type"]?.startsWith("application/json")) return reply(415, { error: "JSON only" });
    let parsed: OtlpRequest;
    try {
      parsed = JSON.parse(body) as OtlpRequest;
    } catch {
      return reply(400, { error: "invalid JSON" });
    }
    let count = 0;
    for (const resource of parsed.resourceSpans ?? []) {
      for (const scope of resource.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          count += 1;
          spans.push({
            ...span,
            parentSpanId: span.parentSpanId || null,
            attributes: Object.fromEntries((span.attributes ?? []).map((a) => [a.key, flatten(a.value)])),
          });
        }
      }
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
    requests.push({ headers, spans: count });
    // An empty ExportTraceServiceResponse: everything was accepted.
    reply(200, {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("OTLP receiver did not bind");
  return {
    url: `http://127.0.0.1:${address.port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
