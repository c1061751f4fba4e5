/**
 * Every span and resource attribute the export sends, each with one fixed OTLP type. A key's type never follows its
 * value (a cost of 0 is still a double), so a backend that indexes a key by its first type sees the same type always.
 * Values are normalised once here for both wire encodings; what cannot be sent faithfully is omitted, never mangled.
 */

/** The OTLP `AnyValue` kind of an attribute. */
export type AttributeType = "string" | "int" | "double" | "bool" | "string[]";

/** The attribute table: key → type. Adding an attribute to a span means adding it here first. */
export const ATTRIBUTE_TYPES = {
  "service.name": "string",
  "service.version": "string",
  "server.address": "string",
  "server.port": "int",
  "error.type": "string",
  "gen_ai.operation.name": "string",
  "gen_ai.provider.name": "string",
  "gen_ai.agent.name": "string",
  "gen_ai.conversation.id": "string",
  "gen_ai.request.model": "string",
  "gen_ai.response.model": "string",
  "gen_ai.response.finish_reasons": "string[]",
  "gen_ai.usage.input_tokens": "int",
  "gen_ai.usage.output_tokens": "int",
  "gen_ai.usage.cache_read.input_tokens": "int",
  // Not (yet) a semantic convention; Langfuse reads it as the observation's cost.
  "gen_ai.usage.cost": "double",
  "gen_ai.tool.name": "string",
  "gen_ai.tool.call.id": "string",
  "fleet.tenant.id": "string",
  "fleet.run.id": "string",
  "fleet.run.parent_id": "string",
  "fleet.run.kind": "string",
  "fleet.run.depth": "int",
  "fleet.run.status": "string",
  "fleet.run.iterations": "int",
  "fleet.run.forced": "bool",
  "fleet.run.end_reason": "string",
  "fleet.run.error_code": "string",
  "fleet.span.incomplete": "bool",
  "fleet.iteration.index": "int",
  "fleet.iteration.blocks": "int",
  "fleet.iteration.final": "bool",
  "fleet.iteration.resent_tokens": "int",
  "fleet.compaction.folded_turns": "int",
  "fleet.compaction.summarised_to": "int",
  "fleet.compaction.kept_turns": "int",
  "fleet.exec.index": "int",
  "fleet.exec.code_chars": "int",
  "fleet.exec.output_chars": "int",
  "fleet.llm.role": "string",
  "fleet.llm.purpose": "string",
  "fleet.llm.cost_usd": "double",
  "fleet.llm.batch.id": "string",
  "fleet.llm.batch.index": "int",
  "fleet.llm.batch.size": "int",
  "fleet.usage.llm_calls": "int",
  "fleet.usage.prompt_tokens": "int",
  "fleet.usage.completion_tokens": "int",
  "fleet.usage.cost_usd": "double",
} as const satisfies Record<string, AttributeType>;

/** A known attribute name. */
export type AttributeKey = keyof typeof ATTRIBUTE_TYPES;

type ValueOf<T extends AttributeType> = T extends "int" | "double"
  ? number
  : T extends "bool"
    ? boolean
    : T extends "string[]"
      ? readonly string[]
      : string;

/** A span's attributes: only known keys, each with a value of its type; `undefined` means "not set". */
export type SpanAttributes = { [K in AttributeKey]?: ValueOf<(typeof ATTRIBUTE_TYPES)[K]> | undefined };

/** A normalised attribute value, ready for either wire encoding. `int` is a bigint so int64 survives JSON and proto. */
export type TypedValue =
  | { type: "string"; value: string }
  | { type: "int"; value: bigint }
  | { type: "double"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "string[]"; value: readonly string[] };

const INT64_MAX = 2n ** 63n - 1n;

function typed(type: AttributeType, value: unknown): TypedValue | null {
  switch (type) {
    case "string":
      return typeof value === "string" ? { type, value } : null;
    case "bool":
      return typeof value === "boolean" ? { type, value } : null;
    case "double":
      // OTLP/JSON has no spelling for NaN or ±Infinity that every parser accepts; such a value is omitted.
      return typeof value === "number" && Number.isFinite(value) ? { type, value } : null;
    case "int": {
      if (typeof value !== "number" || !Number.isFinite(value)) return null;
      const int = BigInt(Math.round(value));
      return int > INT64_MAX || int < -INT64_MAX - 1n ? null : { type, value: int };
    }
    case "string[]":
      return Array.isArray(value) && value.every((v) => typeof v === "string") ? { type, value } : null;
  }
}

/**
 * The attributes of `record` that can be sent, typed by the table, in insertion order. Unknown keys (only possible
 * through a cast) and values that do not fit their type are dropped rather than sent with a drifting type.
 * @example typedAttributes({ "fleet.llm.cost_usd": 0 }) // [{ key: "fleet.llm.cost_usd", value: { type: "double", value: 0 } }]
 */
export function typedAttributes(record: SpanAttributes): Array<{ key: AttributeKey; value: TypedValue }> {
  const out: Array<{ key: AttributeKey; value: TypedValue }> = [];
  for (const [key, raw] of Object.entries(record)) {
    const type: AttributeType | undefined = ATTRIBUTE_TYPES[key as AttributeKey];
    if (type === undefined || raw === undefined) continue;
    const value = typed(type, raw);
    // SAFETY: `type` was found in the table under `key`.
    if (value) out.push({ key: key as AttributeKey, value });
  }
  return out;
}
