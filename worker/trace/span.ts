/** The span model the trace builder produces and the OTLP encoder consumes: plain data, no SDK. */

/** An attribute value; OTLP arrays and maps are not needed by anything we record. */
export type AttributeValue = string | number | boolean;

/** One finished span. Times are epoch milliseconds (the Worker's clock has no finer resolution). */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  /** Null for the root of a trace. */
  parentSpanId: string | null;
  name: string;
  /** `client` for calls that leave the Worker (LLM requests), `internal` for everything else. */
  kind: "internal" | "client";
  startMs: number;
  endMs: number;
  attributes: Record<string, AttributeValue | undefined>;
  status: { code: "unset" | "ok" | "error"; message?: string };
}
