/**
 * Ships spans to an OTLP/HTTP collector in batches, off the run's path: `add` only buffers; a batch goes out when it
 * is full or a timer fires, and `flush` sends the rest, waiting a bounded time. A collector that is down, slow or
 * refusing costs a run nothing but one log line: failed batches are dropped, never retried into memory.
 */
import { encodeOtlp, type OtlpProtocol, type OtlpResource } from "./otlp";
import type { SpanRecord } from "./span";

/** Spans per request: a 256-way fan-out's LLM spans fit in one, and the body stays far below collector limits. */
const BATCH_SPANS = 512;
/** How long spans may wait in the buffer during a long run, so a trace appears while the run is still going. */
const BATCH_DELAY_MS = 2_000;
/** Spans held while requests are failing or slow; beyond this they are dropped, since memory is shared with the run. */
const MAX_BUFFERED_SPANS = 20_000;
/** A request slower than this is abandoned: the collector is not worth a hung socket. */
const REQUEST_TIMEOUT_MS = 10_000;
/** What `flush` waits for in-flight requests at a run's end; the requests themselves carry on past it. */
const FLUSH_WAIT_MS = 1_000;

/** Where finished spans go. */
export interface SpanExporter {
  add(span: SpanRecord): void;
  /** Sends what is buffered; resolves when sent or after a short wait. Never rejects. */
  flush(): Promise<void>;
}

/** Settings of {@link otlpExporter}. */
export interface OtlpExporterOptions {
  url: string;
  headers: Record<string, string>;
  resource: OtlpResource;
  /** The wire encoding; `http/json` by default. */
  protocol?: OtlpProtocol;
  fetch?: typeof fetch;
  /** Where the first failure is reported; `console.error` by default. */
  log?: (line: string) => void;
}

/** Creates an exporter for one run tree. */
export function otlpExporter(options: OtlpExporterOptions): SpanExporter {
  const doFetch = options.fetch ?? fetch;
  const log = options.log ?? ((line: string) => console.error(line));
  const buffer: SpanRecord[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  const inFlight = new Set<Promise<void>>();
  let logged = false;
  let dropped = 0;

  const report = (msg: string, detail: Record<string, unknown>) => {
    if (logged) return;
    logged = true;
    log(JSON.stringify({ level: "warn", msg, url: options.url, ...detail }));
  };

  const post = async (spans: SpanRecord[]): Promise<void> => {
    try {
      const { contentType, body } = encodeOtlp(spans, options.resource, options.protocol ?? "http/json");
      const res = await doFetch(options.url, {
        method: "POST",
        headers: { ...options.headers, "content-type": contentType },
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      // The body is read so the connection can be reused; its content (partial success) is not acted on.
      await res.text().catch(() => "");
      if (!res.ok) report("otlp export rejected", { status: res.status, spans: spans.length });
    } catch (err) {
      report("otlp export failed", { err: String(err), spans: spans.length });
    }
  };

  const send = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (buffer.length === 0) return;
    const batch = buffer.splice(0, BATCH_SPANS);
    const request = post(batch).finally(() => inFlight.delete(request));
    inFlight.add(request);
    if (buffer.length > 0) send();
  };

  return {
    add(span) {
      if (buffer.length >= MAX_BUFFERED_SPANS) {
        dropped += 1;
        if (dropped === 1) report("otlp buffer full: spans dropped", { limit: MAX_BUFFERED_SPANS });
        return;
      }
      buffer.push(span);
      if (buffer.length >= BATCH_SPANS) send();
      else timer ??= setTimeout(send, BATCH_DELAY_MS);
    },
    async flush() {
      send();
      if (inFlight.size === 0) return;
      let wait: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise<void>((resolve) => {
          wait = setTimeout(resolve, FLUSH_WAIT_MS);
        }),
      ]);
      clearTimeout(wait);
    },
  };
}
