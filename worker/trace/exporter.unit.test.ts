import { afterEach, describe, expect, it, vi } from "vitest";
import { otlpExporter } from "./exporter";
import type { SpanRecord } from "./span";

const span = (n: number): SpanRecord => ({
  traceId: "a".repeat(32),
  spanId: n.toString(16).padStart(16, "0"),
  parentSpanId: null,
  name: "s",
  kind: "internal",
  startMs: 0,
  endMs: 1,
  attributes: {},
  status: { code: "unset" },
});

afterEach(() => {
  vi.useRealTimers();
});

describe("otlpExporter", () => {
  it("batches spans, sends the rest on flush with the configured headers", async () => {
    const bodies: Array<{ count: number; headers: Record<string, string> }> = [];
    const fetch = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
      const parsed = JSON.parse(String(init?.body)) as { resourceSpans: [{ scopeSpans: [{ spans: unknown[] }] }] };
      bodies.push({
        count: parsed.resourceSpans[0].scopeSpans[0].spans.length,
        headers: init?.headers as Record<string, string>,
      });
      return new Response("{}");
    });
    const exporter = otlpExporter({
      url: "http://c/v1/traces",
      headers: { authorization: "Bearer t" },
      resource: { serviceName: "svc" },
      fetch,
    });
    for (let i = 1; i <= 600; i++) exporter.add(span(i));
    expect(fetch).toHaveBeenCalledTimes(1); // a full batch of 512 went at once
    await exporter.flush();
    expect(bodies.map((b) => b.count)).toEqual([512, 88]);
    expect(bodies[0]?.headers).toMatchObject({ authorization: "Bearer t", "content-type": "application/json" });
    await exporter.flush();
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it("sends after a delay without a flush", async () => {
    vi.useFakeTimers();
    const fetch = vi.fn(async () => new Response("{}"));
    const exporter = otlpExporter({ url: "http://c/v1/traces", headers: {}, resource: { serviceName: "s" }, fetch });
    exporter.add(span(1));
    expect(fetch).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it("never rejects, logs the first failure once, and does not wait long for a hung collector", async () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    let calls = 0;
    const fetch = vi.fn(async (): Promise<Response> => {
      calls += 1;
      if (calls === 1) throw new TypeError("connection refused");
      if (calls === 2) return new Response("no", { status: 503 });
      return new Promise<Response>(() => {}); // hangs
    });
    const exporter = otlpExporter({
      url: "http://c/v1/traces",
      headers: {},
      resource: { serviceName: "s" },
      fetch,
      log: (line) => lines.push(line),
    });
    exporter.add(span(1));
    await exporter.flush();
    exporter.add(span(2));
    await exporter.flush();
    exporter.add(span(3));
    const hung = exporter.flush();
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(hung).resolves.toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("connection refused");
  });
});
