/**
 * Strict decoding of OTLP/HTTP trace requests, as a collector does it: protobuf bodies through the official
 * `ExportTraceServiceRequest` definitions (the protobufjs code generated from opentelemetry-proto that
 * `@opentelemetry/otlp-transformer` 0.216 ships, installed as `otlp-proto-definitions`), JSON bodies checked against
 * the OTLP/JSON mapping field by field. A malformed request is an error, never partly accepted.
 */
import { createRequire } from "node:module";

/** One decoded span with its attributes as plain values (`intValue` → number, `arrayValue` → array, …). */
export interface DecodedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Record<string, AttributeValue>;
  status: { code?: number; message?: string };
}

/** An attribute value as decoded; int64 values are numbers (exact for what the tests compare). */
export type AttributeValue = string | number | boolean | AttributeValue[];

/** Why a request was refused (the receiver answers 400 with it). */
export class OtlpDecodeError extends Error {
  override name = "OtlpDecodeError";
}

interface ProtoMessage {
  decode(bytes: Uint8Array): unknown;
  toObject(message: unknown, options: Record<string, unknown>): unknown;
}

// The generated root is CommonJS and has no types; only its decode/toObject surface is used.
const root = createRequire(import.meta.url)("otlp-proto-definitions/build/src/generated/root.js") as {
  opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: ProtoMessage } } } } };
};
const ExportTraceServiceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

function fail(path: string, problem: string): never {
  throw new OtlpDecodeError(`${path}: ${problem}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function list(value: unknown, path: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(path, "must be an array");
  return value;
}

/** A 64-bit integer in the JSON mapping: a decimal string or a JSON number, integral either way. */
function int64(value: unknown, path: string): string {
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  if (typeof value === "string" && /^-?\d+$/.test(value)) {
    const n = BigInt(value);
    if (n <= 2n ** 63n - 1n && n >= -(2n ** 63n)) return value;
  }
  return fail(path, `is not an int64: ${JSON.stringify(value)}`);
}

function hexId(value: unknown, bytes: number, path: string, optional: boolean): string | null {
  if ((value === undefined || value === "") && optional) return null;
  const pattern = new RegExp(`^[0-9a-f]{${bytes * 2}}$`, "i");
  if (typeof value !== "string" || !pattern.test(value) || /^0+$/.test(value)) fail(path, "is not a valid hex id");
  return value.toLowerCase();
}

/** `AnyValue` of the JSON mapping: exactly one field, of the right JSON type. */
function jsonAnyValue(value: unknown, path: string): AttributeValue {
  if (!isObject(value)) return fail(path, "must be an AnyValue object");
  const keys = Object.keys(value);
  if (keys.length !== 1) fail(path, `must set exactly one value field, has ${keys.join(", ") || "none"}`);
  const [key] = keys as [string];
  const v = value[key];
  switch (key) {
    case "stringValue":
      return typeof v === "string" ? v : fail(path, "stringValue must be a string");
    case "boolValue":
      return typeof v === "boolean" ? v : fail(path, "boolValue must be a boolean");
    case "intValue":
      return Number(int64(v, `${path}.intValue`));
    case "doubleValue":
      // The mapping also allows "NaN"/"Infinity" strings; nothing here sends them, so they are refused to catch it.
      return typeof v === "number" && Number.isFinite(v) ? v : fail(path, "doubleValue must be a finite number");
    case "arrayValue":
      if (!isObject(v)) return fail(path, "arrayValue must be an object");
      return list(v.values, `${path}.arrayValue.values`).map((item, i) =>
        jsonAnyValue(item, `${path}.arrayValue.values[${i}]`),
      );
    default:
      return fail(path, `unknown value field ${key}`);
  }
}

function jsonAttributes(value: unknown, path: string): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  list(value, path).forEach((kv, i) => {
    if (!isObject(kv) || typeof kv.key !== "string" || kv.key === "") fail(`${path}[${i}]`, "needs a string key");
    if (kv.key in out) fail(`${path}[${i}]`, `repeats the key ${kv.key}`);
    out[kv.key] = jsonAnyValue(kv.value, `${path}[${i}].value`);
  });
  return out;
}

function enumNumber(value: unknown, max: number, path: string): number {
  if (value === undefined) return 0;
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= max) return value;
  return fail(path, `is not an enum number 0..${max}`);
}

function jsonSpan(span: unknown, path: string): DecodedSpan {
  if (!isObject(span)) return fail(path, "must be an object");
  if (typeof span.name !== "string") fail(`${path}.name`, "must be a string");
  const status = span.status === undefined ? {} : span.status;
  if (!isObject(status)) return fail(`${path}.status`, "must be an object");
  if (status.message !== undefined && typeof status.message !== "string")
    fail(`${path}.status.message`, "not a string");
  return {
    traceId: hexId(span.traceId, 16, `${path}.traceId`, false) as string,
    spanId: hexId(span.spanId, 8, `${path}.spanId`, false) as string,
    parentSpanId: hexId(span.parentSpanId, 8, `${path}.parentSpanId`, true),
    name: span.name as string,
    kind: enumNumber(span.kind, 5, `${path}.kind`),
    startTimeUnixNano: int64(span.startTimeUnixNano, `${path}.startTimeUnixNano`),
    endTimeUnixNano: int64(span.endTimeUnixNano, `${path}.endTimeUnixNano`),
    attributes: jsonAttributes(span.attributes, `${path}.attributes`),
    status: { code: enumNumber(status.code, 2, `${path}.status.code`), message: status.message as string | undefined },
  };
}

/** The spans of a JSON `ExportTraceServiceRequest`, checked against the OTLP/JSON mapping. */
export function decodeJsonRequest(text: string): {
  spans: DecodedSpan[];
  resources: Array<Record<string, AttributeValue>>;
} {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return fail("body", "is not JSON");
  }
  if (!isObject(body)) return fail("body", "must be an object");
  const spans: DecodedSpan[] = [];
  const resources: Array<Record<string, AttributeValue>> = [];
  list(body.resourceSpans, "resourceSpans").forEach((rs, i) => {
    const path = `resourceSpans[${i}]`;
    if (!isObject(rs)) fail(path, "must be an object");
    const resource = isObject(rs.resource) ? rs.resource : {};
    resources.push(jsonAttributes(resource.attributes, `${path}.resource.attributes`));
    list(rs.scopeSpans, `${path}.scopeSpans`).forEach((ss, j) => {
      if (!isObject(ss)) fail(`${path}.scopeSpans[${j}]`, "must be an object");
      list(ss.spans, `${path}.scopeSpans[${j}].spans`).forEach((span, k) => {
        spans.push(jsonSpan(span, `${path}.scopeSpans[${j}].spans[${k}]`));
      });
    });
  });
  return { spans, resources };
}

interface ProtoAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values?: ProtoAnyValue[] };
  kvlistValue?: unknown;
  bytesValue?: string;
}

function protoValue(value: ProtoAnyValue | undefined, path: string): AttributeValue {
  if (!value) return fail(path, "has no value");
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) {
    return (value.arrayValue.values ?? []).map((v, i) => protoValue(v, `${path}.arrayValue.values[${i}]`));
  }
  return fail(path, "sets no supported value field");
}

function protoAttributes(kvs: Array<{ key: string; value?: ProtoAnyValue }> | undefined, path: string) {
  const out: Record<string, AttributeValue> = {};
  for (const [i, kv] of (kvs ?? []).entries()) {
    if (!kv.key) fail(`${path}[${i}]`, "has no key");
    if (kv.key in out) fail(`${path}[${i}]`, `repeats the key ${kv.key}`);
    out[kv.key] = protoValue(kv.value, `${path}[${i}].value`);
  }
  return out;
}

interface ProtoSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: number;
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
  attributes?: Array<{ key: string; value?: ProtoAnyValue }>;
  status?: { code?: number; message?: string };
}

interface ProtoRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: Array<{ key: string; value?: ProtoAnyValue }> };
    scopeSpans?: Array<{ spans?: ProtoSpan[] }>;
  }>;
}

const hex = (base64: string | undefined) => (base64 ? Buffer.from(base64, "base64").toString("hex") : "");

/** The spans of a protobuf `ExportTraceServiceRequest`, decoded with the official definitions. */
export function decodeProtoRequest(bytes: Uint8Array): {
  spans: DecodedSpan[];
  resources: Array<Record<string, AttributeValue>>;
} {
  let request: ProtoRequest;
  try {
    const message = ExportTraceServiceRequest.decode(bytes);
    request = ExportTraceServiceRequest.toObject(message, {
      longs: String,
      enums: Number,
      bytes: String,
      defaults: false,
      oneofs: false,
    }) as ProtoRequest;
  } catch (err) {
    return fail("body", `is not an ExportTraceServiceRequest: ${String(err)}`);
  }
  const spans: DecodedSpan[] = [];
  const resources: Array<Record<string, AttributeValue>> = [];
  for (const [i, rs] of (request.resourceSpans ?? []).entries()) {
    resources.push(protoAttributes(rs.resource?.attributes, `resourceSpans[${i}].resource.attributes`));
    for (const [j, ss] of (rs.scopeSpans ?? []).entries()) {
      for (const [k, span] of (ss.spans ?? []).entries()) {
        const path = `resourceSpans[${i}].scopeSpans[${j}].spans[${k}]`;
        spans.push({
          traceId: hexId(hex(span.traceId), 16, `${path}.traceId`, false) as string,
          spanId: hexId(hex(span.spanId), 8, `${path}.spanId`, false) as string,
          parentSpanId: hexId(hex(span.parentSpanId), 8, `${path}.parentSpanId`, true),
          name: span.name ?? "",
          kind: span.kind ?? 0,
          startTimeUnixNano: span.startTimeUnixNano ?? "0",
          endTimeUnixNano: span.endTimeUnixNano ?? "0",
          attributes: protoAttributes(span.attributes, `${path}.attributes`),
          status: { code: span.status?.code ?? 0, message: span.status?.message },
        });
      }
    }
  }
  return { spans, resources };
}
