/**
 * OTLP/HTTP encodings of spans (opentelemetry-proto `ExportTraceServiceRequest`): the JSON mapping (ids as hex,
 * 64-bit integers as decimal strings, enums as numbers) and protobuf (`./otlp-proto.ts`), and the standard exporter
 * settings `OTEL_EXPORTER_OTLP_ENDPOINT` / `_HEADERS` / `_PROTOCOL`. Pure.
 */
import { type AttributeKey, type TypedValue, typedAttributes } from "./attributes";
import { encodeOtlpProto } from "./otlp-proto";
import type { SpanRecord } from "./span";

/** `SpanKind` numbers of the OTLP proto. */
const SPAN_KIND = { internal: 1, client: 3 } as const;
/** `Status.StatusCode` numbers of the OTLP proto. */
const STATUS_CODE = { unset: 0, ok: 1, error: 2 } as const;

/** The resource every exported span belongs to. */
export interface OtlpResource {
  serviceName: string;
  serviceVersion?: string;
}

/** The wire encodings of OTLP/HTTP (`OTEL_EXPORTER_OTLP_PROTOCOL`); gRPC is not possible from a Worker. */
export type OtlpProtocol = "http/json" | "http/protobuf";

type Attributes = Array<{ key: AttributeKey; value: TypedValue }>;

/** One request with typed values and bigint times: the stage both encodings are written from. */
export interface OtlpRequest {
  resource: Attributes;
  scope: { name: string; version: string };
  spans: Array<{
    traceId: string;
    spanId: string;
    parentSpanId: string | null;
    name: string;
    kind: number;
    startTimeUnixNano: bigint;
    endTimeUnixNano: bigint;
    attributes: Attributes;
    status: { code: number; message?: string };
  }>;
}

function nanos(ms: number): bigint {
  return BigInt(Math.max(0, Math.round(ms))) * 1_000_000n;
}

/** The typed request for `spans`, all from one service. */
export function otlpRequest(spans: readonly SpanRecord[], resource: OtlpResource): OtlpRequest {
  return {
    resource: typedAttributes({ "service.name": resource.serviceName, "service.version": resource.serviceVersion }),
    scope: { name: resource.serviceName, version: resource.serviceVersion ?? "" },
    spans: spans.map((span) => ({
      traceId: span.traceId,
      spanId: span.spanId,
      parentSpanId: span.parentSpanId,
      name: span.name,
      kind: SPAN_KIND[span.kind],
      startTimeUnixNano: nanos(span.startMs),
      endTimeUnixNano: nanos(span.endMs),
      attributes: typedAttributes(span.attributes),
      status: { code: STATUS_CODE[span.status.code], message: span.status.message },
    })),
  };
}

function jsonValue(value: TypedValue): Record<string, unknown> {
  switch (value.type) {
    case "string":
      return { stringValue: value.value };
    case "bool":
      return { boolValue: value.value };
    case "int":
      // int64 is a decimal string in the JSON mapping: a JSON number would lose precision past 2^53.
      return { intValue: value.value.toString() };
    case "double":
      return { doubleValue: value.value };
    case "string[]":
      return { arrayValue: { values: value.value.map((v) => ({ stringValue: v })) } };
  }
}

function jsonAttributes(attributes: Attributes) {
  return attributes.map(({ key, value }) => ({ key, value: jsonValue(value) }));
}

/** The JSON body of `POST /v1/traces` for `spans`, all from one service. */
export function toOtlpRequest(spans: readonly SpanRecord[], resource: OtlpResource) {
  const request = otlpRequest(spans, resource);
  return {
    resourceSpans: [
      {
        resource: { attributes: jsonAttributes(request.resource) },
        scopeSpans: [
          {
            scope: request.scope,
            spans: request.spans.map((span) => ({
              traceId: span.traceId,
              spanId: span.spanId,
              ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
              name: span.name,
              kind: span.kind,
              startTimeUnixNano: span.startTimeUnixNano.toString(),
              endTimeUnixNano: span.endTimeUnixNano.toString(),
              attributes: jsonAttributes(span.attributes),
              status: { code: span.status.code, ...(span.status.message ? { message: span.status.message } : {}) },
            })),
          },
        ],
      },
    ],
  };
}

/** The body and content type of one export request in `protocol`. */
export function encodeOtlp(
  spans: readonly SpanRecord[],
  resource: OtlpResource,
  protocol: OtlpProtocol,
): { contentType: string; body: string | Uint8Array<ArrayBuffer> } {
  if (protocol === "http/protobuf") {
    return { contentType: "application/x-protobuf", body: encodeOtlpProto(otlpRequest(spans, resource)) };
  }
  return { contentType: "application/json", body: JSON.stringify(toOtlpRequest(spans, resource)) };
}

/**
 * Reads `OTEL_EXPORTER_OTLP_PROTOCOL`: `http/json` when unset; null for anything else (`grpc` cannot be spoken from
 * a Worker), so the caller can say so instead of guessing.
 */
export function otlpProtocol(raw: string | undefined): OtlpProtocol | null {
  const value = (raw ?? "").trim().toLowerCase();
  if (value === "" || value === "http/json") return "http/json";
  if (value === "http/protobuf") return "http/protobuf";
  return null;
}

/**
 * The traces URL for a base `OTEL_EXPORTER_OTLP_ENDPOINT`: the spec appends `v1/traces` to the base, with or
 * without its trailing slash. Null when the endpoint is not an http(s) URL.
 */
export function tracesUrl(endpoint: string): string | null {
  const trimmed = endpoint.trim();
  if (!URL.canParse(trimmed)) return null;
  const url = new URL(trimmed);
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/v1/traces`;
  return url.toString();
}

/**
 * Parses `OTEL_EXPORTER_OTLP_HEADERS` (`k=v,k2=v2`; values percent-decoded, whitespace around keys and values
 * ignored, as the spec says). Malformed entries are skipped rather than failing the export.
 * @example parseOtlpHeaders("authorization=Bearer%20abc, x-tenant=acme") // { authorization: "Bearer abc", "x-tenant": "acme" }
 */
export function parseOtlpHeaders(raw: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const entry of (raw ?? "").split(",")) {
    const at = entry.indexOf("=");
    if (at <= 0) continue;
    const key = entry.slice(0, at).trim().toLowerCase();
    const value = entry.slice(at + 1).trim();
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(key)) continue;
    try {
      headers[key] = decodeURIComponent(value);
    } catch {
      headers[key] = value;
    }
  }
  return headers;
}
