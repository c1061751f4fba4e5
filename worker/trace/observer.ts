/**
 * The OpenTelemetry export of a run tree as a `RunRecorder` observer: spans built by `./span-builder.ts`, shipped by
 * `./exporter.ts` to `OTEL_EXPORTER_OTLP_ENDPOINT`. Absent when no endpoint is configured, so nothing is built then.
 * Tracing must never break a run: a failure inside it is logged once and tracing stops for that tree.
 */
import type { RunRecorder } from "../rlm";
import { otlpExporter, type SpanExporter } from "./exporter";
import { otlpProtocol, parseOtlpHeaders, tracesUrl } from "./otlp";
import { type SpanBuilder, type SpanBuilderOptions, spanBuilder } from "./span-builder";

/** The settings the export reads. */
export type OtelEnv = Pick<
  Env,
  "OTEL_EXPORTER_OTLP_ENDPOINT" | "OTEL_EXPORTER_OTLP_HEADERS" | "OTEL_EXPORTER_OTLP_PROTOCOL"
>;

const SERVICE_NAME = "fleet-rlm";

/** Settings of {@link otelObserver}. */
export interface OtelObserverOptions {
  tenantId: string;
  /** The agent run the tree hangs under, for chat turns and agent tasks (see {@link SpanBuilderOptions}). */
  agentRunId?: string;
  /** The chat session of a turn (`gen_ai.conversation.id`). */
  conversationId?: string;
  fetch?: typeof fetch;
}

/** The exporter `env` configures, or undefined when tracing is off or misconfigured (said once in the log). */
export function configuredExporter(env: OtelEnv, fetchImpl?: typeof fetch): SpanExporter | undefined {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint) return undefined;
  const url = tracesUrl(endpoint);
  if (!url) {
    console.error(JSON.stringify({ level: "warn", msg: "OTEL_EXPORTER_OTLP_ENDPOINT is not an http(s) URL" }));
    return undefined;
  }
  const protocol = otlpProtocol(env.OTEL_EXPORTER_OTLP_PROTOCOL);
  if (!protocol) {
    console.error(
      JSON.stringify({ level: "warn", msg: "OTEL_EXPORTER_OTLP_PROTOCOL must be http/json or http/protobuf" }),
    );
    return undefined;
  }
  return otlpExporter({
    url,
    headers: parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS),
    resource: { serviceName: SERVICE_NAME },
    protocol,
    fetch: fetchImpl,
  });
}

/** What a tree still open at its host's final flush is closed with: the host stopped without reporting an ending. */
const UNREPORTED_END = "the run's host stopped before the run reported its end";

/**
 * An observer exporting one run tree's spans, or undefined when tracing is off.
 * @example dbRecorder({ env, tenantId, observer: otelObserver(env, { tenantId }) })
 */
export function otelObserver(env: OtelEnv, options: OtelObserverOptions): Partial<RunRecorder> | undefined {
  const exporter = configuredExporter(env, options.fetch);
  if (!exporter) return undefined;
  let broken = false;
  const guard = (fn: () => void) => {
    if (broken) return;
    try {
      fn();
    } catch (err) {
      broken = true;
      console.error(JSON.stringify({ level: "warn", msg: "trace building failed; export stopped", err: String(err) }));
    }
  };
  let builder: SpanBuilder | null = null;
  guard(() => {
    builder = spanBuilder({
      tenantId: options.tenantId,
      agentRunId: options.agentRunId,
      conversationId: options.conversationId,
      onSpan: exporter.add,
    });
  });
  return {
    started: (run) => guard(() => builder?.started?.(run)),
    step: (runId, step) => guard(() => builder?.step?.(runId, step)),
    ended: (runId, outcome) => guard(() => builder?.ended?.(runId, outcome)),
    // Hosts flush once, after the tree's end: anything still open then would leave its children orphaned.
    flush: () => {
      guard(() => builder?.closeOpen(UNREPORTED_END));
      return exporter.flush();
    },
  };
}
