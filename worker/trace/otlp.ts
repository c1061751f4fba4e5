/**
 * OTLP/HTTP JSON encoding of spans (opentelemetry-proto `ExportTraceServiceRequest`, JSON mapping: ids as hex,
 * 64-bit integers as decimal strings, enums as numbers) and the standard exporter settings
 * `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_HEADERS`. Pure.
 */
import type { AttributeValue, SpanRecord } from "./span";

/** `SpanKind` numbers of the OTLP proto. */
const SPAN_KIND = { internal: 1, client: 3 } as const;
/** `Status.StatusCode` numbers of the OTLP proto. */
const STATUS_CODE = { unset: 0, ok: 1, error: 2 } as const;

type OtlpValue = { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean };

/** The resource every exported span belongs to. */
export interface OtlpResource {
  serviceName: string;
  serviceVersion?: string;
}

function otlpValue(value: AttributeValue): OtlpValue {
  if (typeof value === "string") return { stringValue: value };
  if (typeof value === "boolean") return { boolValue: value };
  return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
}

function attributes(record: Record<string, AttributeValue | undefined>) {
  return Object.entries(record).flatMap(([key, value]) =>
    value === undefined ? [] : [{ key, value: otlpValue(value) }],
  );
}

function nanos(ms: number): string {
  return `${BigInt(Math.round(ms)) * 1_000_000n}`;
}

/** The request body of `POST /v1/traces` for `spans`, all from one service. */
export function toOtlpRequest(spans: readonly SpanRecord[], resource: OtlpResource) {
  return {
    resourceSpans: [
      {
        resource: {
          attributes: attributes({ "service.name": resource.serviceName, "service.version": resource.serviceVersion }),
        },
        scopeSpans: [
          {
            scope: { name: resource.serviceName, version: resource.serviceVersion ?? "" },
            spans: spans.map((span) => ({
              traceId: span.traceId,
              spanId: span.spanId,
              ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
              name: span.name,
              kind: SPAN_KIND[span.kind],
              startTimeUnixNano: nanos(span.startMs),
              endTimeUnixNano: nanos(span.endMs),
              attributes: attributes(span.attributes),
              status: {
                code: STATUS_CODE[span.status.code],
                ...(span.status.message ? { message: span.status.message } : {}),
              },
            })),
          },
        ],
      },
    ],
  };
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
