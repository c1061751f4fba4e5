import { describe, expect, it } from "vitest";
import { parseOtlpHeaders, toOtlpRequest, tracesUrl } from "./otlp";

describe("otlp", () => {
  it("encodes spans in the OTLP/JSON mapping", () => {
    const body = toOtlpRequest(
      [
        {
          traceId: "a".repeat(32),
          spanId: "b".repeat(16),
          parentSpanId: null,
          name: "chat m",
          kind: "client",
          startMs: 1_700_000_000_000,
          endMs: 1_700_000_000_250,
          attributes: { s: "x", i: 3, d: 0.5, b: true, gone: undefined },
          status: { code: "error", message: "boom" },
        },
      ],
      { serviceName: "svc" },
    );
    const [resource] = body.resourceSpans;
    expect(resource?.resource.attributes).toEqual([{ key: "service.name", value: { stringValue: "svc" } }]);
    const span = resource?.scopeSpans[0]?.spans[0];
    expect(span).toEqual({
      traceId: "a".repeat(32),
      spanId: "b".repeat(16),
      name: "chat m",
      kind: 3,
      startTimeUnixNano: "1700000000000000000",
      endTimeUnixNano: "1700000000250000000",
      attributes: [
        { key: "s", value: { stringValue: "x" } },
        { key: "i", value: { intValue: "3" } },
        { key: "d", value: { doubleValue: 0.5 } },
        { key: "b", value: { boolValue: true } },
      ],
      status: { code: 2, message: "boom" },
    });
  });

  it("appends v1/traces to the base endpoint and refuses non-http URLs", () => {
    expect(tracesUrl("http://collector:4318")).toBe("http://collector:4318/v1/traces");
    expect(tracesUrl("https://otlp.example.com/otlp/")).toBe("https://otlp.example.com/otlp/v1/traces");
    expect(tracesUrl("ftp://x")).toBeNull();
    expect(tracesUrl("not a url")).toBeNull();
  });

  it("parses k=v,k2=v2 headers, decoding values and skipping malformed entries", () => {
    expect(parseOtlpHeaders(" Authorization=Bearer%20abc , x-team=a=b,=nokey,bad key=1,novalue")).toEqual({
      authorization: "Bearer abc",
      "x-team": "a=b",
    });
    expect(parseOtlpHeaders(undefined)).toEqual({});
  });
});
