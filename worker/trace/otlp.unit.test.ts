import { describe, expect, it } from "vitest";
import { ATTRIBUTE_TYPES, type SpanAttributes, typedAttributes } from "./attributes";
import { encodeOtlp, otlpProtocol, parseOtlpHeaders, toOtlpRequest, tracesUrl } from "./otlp";
import type { SpanRecord } from "./span";

const span = (attributes: SpanAttributes): SpanRecord => ({
  traceId: "a".repeat(32),
  spanId: "b".repeat(16),
  parentSpanId: null,
  name: "chat m",
  kind: "client",
  startMs: 1_700_000_000_000,
  endMs: 1_700_000_000_250,
  attributes,
  status: { code: "error", message: "boom" },
});

/** The OTLP/JSON value kind of each attribute of one encoded span. */
function kinds(attributes: SpanAttributes): Record<string, string> {
  const [resource] = toOtlpRequest([span(attributes)], { serviceName: "svc" }).resourceSpans;
  const encoded = resource?.scopeSpans[0]?.spans[0]?.attributes ?? [];
  return Object.fromEntries(encoded.map((a) => [a.key, Object.keys(a.value)[0] ?? ""]));
}

describe("otlp", () => {
  it("encodes spans in the OTLP/JSON mapping", () => {
    const body = toOtlpRequest(
      [
        span({
          "fleet.run.id": "x",
          "fleet.run.depth": 3,
          "fleet.llm.cost_usd": 0.5,
          "fleet.run.forced": true,
          "gen_ai.response.finish_reasons": ["stop"],
          "fleet.run.parent_id": undefined,
        }),
      ],
      { serviceName: "svc" },
    );
    const [resource] = body.resourceSpans;
    expect(resource?.resource.attributes).toEqual([{ key: "service.name", value: { stringValue: "svc" } }]);
    expect(resource?.scopeSpans[0]?.spans[0]).toEqual({
      traceId: "a".repeat(32),
      spanId: "b".repeat(16),
      name: "chat m",
      kind: 3,
      startTimeUnixNano: "1700000000000000000",
      endTimeUnixNano: "1700000000250000000",
      attributes: [
        { key: "fleet.run.id", value: { stringValue: "x" } },
        { key: "fleet.run.depth", value: { intValue: "3" } },
        { key: "fleet.llm.cost_usd", value: { doubleValue: 0.5 } },
        { key: "fleet.run.forced", value: { boolValue: true } },
        { key: "gen_ai.response.finish_reasons", value: { arrayValue: { values: [{ stringValue: "stop" }] } } },
      ],
      status: { code: 2, message: "boom" },
    });
  });

  it("gives every attribute its table type whatever the value, and omits what cannot be sent", () => {
    // A cost of 0 stays a double and a whole token count stays an int: the type follows the key, not the value.
    expect(kinds({ "fleet.llm.cost_usd": 0, "gen_ai.usage.cost": 2, "gen_ai.usage.input_tokens": 7.4 })).toEqual({
      "fleet.llm.cost_usd": "doubleValue",
      "gen_ai.usage.cost": "doubleValue",
      "gen_ai.usage.input_tokens": "intValue",
    });
    expect(kinds({ "fleet.llm.cost_usd": 0.25, "gen_ai.usage.input_tokens": 0 })).toEqual({
      "fleet.llm.cost_usd": "doubleValue",
      "gen_ai.usage.input_tokens": "intValue",
    });
    const odd = typedAttributes({
      "fleet.llm.cost_usd": Number.NaN,
      "gen_ai.usage.cost": Number.POSITIVE_INFINITY,
      "gen_ai.usage.input_tokens": 1e21,
      "gen_ai.usage.output_tokens": 2 ** 60,
    });
    // Non-finite and beyond-int64 values are left out; a large int64 is exact, as a decimal string in JSON.
    expect(odd).toEqual([{ key: "gen_ai.usage.output_tokens", value: { type: "int", value: 2n ** 60n } }]);
    expect(
      JSON.stringify(toOtlpRequest([span({ "gen_ai.usage.output_tokens": 2 ** 60 })], { serviceName: "s" })),
    ).toContain('"intValue":"1152921504606846976"');
    // A value of the wrong type (only possible through a cast) is dropped rather than sent with another type.
    expect(typedAttributes({ "fleet.run.depth": "1" } as unknown as SpanAttributes)).toEqual([]);
    for (const type of Object.values(ATTRIBUTE_TYPES)) {
      expect(["string", "int", "double", "bool", "string[]"]).toContain(type);
    }
  });

  it("picks the body and content type by protocol, http/json by default", () => {
    expect(otlpProtocol(undefined)).toBe("http/json");
    expect(otlpProtocol(" HTTP/PROTOBUF ")).toBe("http/protobuf");
    expect(otlpProtocol("grpc")).toBeNull();
    const json = encodeOtlp([span({})], { serviceName: "s" }, "http/json");
    expect(json.contentType).toBe("application/json");
    expect(typeof json.body).toBe("string");
    const proto = encodeOtlp([span({})], { serviceName: "s" }, "http/protobuf");
    expect(proto.contentType).toBe("application/x-protobuf");
    expect(proto.body).toBeInstanceOf(Uint8Array);
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
