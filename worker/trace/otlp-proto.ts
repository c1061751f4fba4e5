/**
 * OTLP/HTTP protobuf encoding of `ExportTraceServiceRequest` (opentelemetry-proto `collector/trace/v1`), written by
 * hand for the subset the export sends: resource and scope attributes, spans with ids, kind, times, attributes and
 * status. A protobuf runtime would add far more to the Worker bundle than these few field writers. Pure.
 * Field numbers are those of `trace.proto`, `common.proto` and `resource.proto`; the tests decode the output with
 * the official generated definitions.
 */
import type { TypedValue } from "./attributes";
import type { OtlpRequest } from "./otlp";

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;

const utf8 = new TextEncoder();

/** Appends protobuf fields to a growing byte list. */
class ProtoWriter {
  #bytes: number[] = [];

  varint(value: number | bigint): void {
    // int64 is encoded as its two's complement in 64 bits, so negative values take ten bytes.
    let v = BigInt.asUintN(64, BigInt(value));
    while (v > 0x7fn) {
      this.#bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.#bytes.push(Number(v));
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  raw(bytes: Uint8Array | readonly number[]): void {
    for (const b of bytes) this.#bytes.push(b);
  }

  bytes(field: number, bytes: Uint8Array): void {
    this.tag(field, WIRE_BYTES);
    this.varint(bytes.length);
    this.raw(bytes);
  }

  string(field: number, text: string): void {
    if (text !== "") this.bytes(field, utf8.encode(text));
  }

  uint(field: number, value: number | bigint): void {
    if (value === 0 || value === 0n) return;
    this.tag(field, WIRE_VARINT);
    this.varint(value);
  }

  fixed64(field: number, value: bigint): void {
    const buf = new DataView(new ArrayBuffer(8));
    buf.setBigUint64(0, value, true);
    this.tag(field, WIRE_FIXED64);
    this.raw(new Uint8Array(buf.buffer));
  }

  double(field: number, value: number): void {
    const buf = new DataView(new ArrayBuffer(8));
    buf.setFloat64(0, value, true);
    this.tag(field, WIRE_FIXED64);
    this.raw(new Uint8Array(buf.buffer));
  }

  /** A length-delimited sub-message; written even when empty, since an empty `AnyValue` oneof still matters. */
  message(field: number, write: (w: ProtoWriter) => void): void {
    const inner = new ProtoWriter();
    write(inner);
    this.bytes(field, inner.finish());
  }

  finish(): Uint8Array<ArrayBuffer> {
    return Uint8Array.from(this.#bytes);
  }
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** `AnyValue`: 1 string, 2 bool, 3 int64, 4 double, 5 ArrayValue (1 repeated AnyValue). */
function anyValue(w: ProtoWriter, value: TypedValue): void {
  switch (value.type) {
    case "string":
      // Written even when empty: an empty string is a value, unlike an unset oneof.
      w.bytes(1, utf8.encode(value.value));
      return;
    case "bool":
      w.tag(2, WIRE_VARINT);
      w.varint(value.value ? 1 : 0);
      return;
    case "int":
      w.tag(3, WIRE_VARINT);
      w.varint(value.value);
      return;
    case "double":
      w.double(4, value.value);
      return;
    case "string[]":
      w.message(5, (array) => {
        for (const item of value.value) array.message(1, (v) => v.bytes(1, utf8.encode(item)));
      });
  }
}

/** Repeated `KeyValue` (1 key, 2 value) under `field`. */
function keyValues(w: ProtoWriter, field: number, attributes: Array<{ key: string; value: TypedValue }>): void {
  for (const { key, value } of attributes) {
    w.message(field, (kv) => {
      kv.string(1, key);
      kv.message(2, (v) => anyValue(v, value));
    });
  }
}

/**
 * The protobuf body of `POST /v1/traces` for a request built by `toOtlpRequest`'s typed stage.
 * @example const body = encodeOtlpProto(otlpRequest(spans, { serviceName: "fleet-rlm" }));
 */
export function encodeOtlpProto(request: OtlpRequest): Uint8Array<ArrayBuffer> {
  const w = new ProtoWriter();
  // ExportTraceServiceRequest.resource_spans = 1
  w.message(1, (rs) => {
    // ResourceSpans.resource = 1 { attributes = 1 }
    rs.message(1, (res) => keyValues(res, 1, request.resource));
    // ResourceSpans.scope_spans = 2
    rs.message(2, (ss) => {
      // ScopeSpans.scope = 1 { name = 1, version = 2 }
      ss.message(1, (scope) => {
        scope.string(1, request.scope.name);
        scope.string(2, request.scope.version);
      });
      for (const span of request.spans) {
        // ScopeSpans.spans = 2
        ss.message(2, (s) => {
          s.bytes(1, hexBytes(span.traceId));
          s.bytes(2, hexBytes(span.spanId));
          if (span.parentSpanId) s.bytes(4, hexBytes(span.parentSpanId));
          s.string(5, span.name);
          s.uint(6, span.kind);
          s.fixed64(7, span.startTimeUnixNano);
          s.fixed64(8, span.endTimeUnixNano);
          keyValues(s, 9, span.attributes);
          // Status { message = 2, code = 3 }
          s.message(15, (st) => {
            st.string(2, span.status.message ?? "");
            st.uint(3, span.status.code);
          });
        });
      }
    });
  });
  return w.finish();
}
