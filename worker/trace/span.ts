/** The span model the trace builder produces and the OTLP encoders consume: plain data, no SDK. */
import type { SpanAttributes } from "./attributes";

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
  attributes: SpanAttributes;
  status: { code: "unset" | "ok" | "error"; message?: string };
}
