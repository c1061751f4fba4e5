/**
 * Turns an inbound webhook's JSON payload into a task request, as configured per endpoint: a query rendered from a
 * template such as `"Summarise {{/data/title}} for {{/user/name}}"`, and optionally the context and documents picked
 * out by JSON Pointers (RFC 6901). The mapping is validated once when the endpoint is saved; applying it to a payload
 * returns a missing field as data, naming the pointer, so the sender gets a precise 422.
 */
import { z } from "@hono/zod-openapi";
import { AppError } from "../errors";

/** Longest pointer accepted: far beyond any real payload's nesting, short enough to keep stored mappings small. */
const MAX_POINTER_LENGTH = 1_024;

/** Longest template, the same as the longest task query, since the template is at least as long as its output. */
const MAX_TEMPLATE_LENGTH = 20_000;

/** Most placeholders in one template: a prompt needs a handful; hundreds would be a payload dump, not a query. */
const MAX_PLACEHOLDERS = 64;

/**
 * Splits a JSON Pointer into its unescaped reference tokens (`~1` → `/`, then `~0` → `~`, in that order as RFC 6901
 * §4 requires), or returns `null` when it is malformed. `""` is the whole document and has no tokens.
 * @example parsePointer("/a~1b/0") // ["a/b", "0"]
 */
export function parsePointer(pointer: string): string[] | null {
  if (pointer === "") return [];
  if (!pointer.startsWith("/") || /~(?![01])/.test(pointer)) return null;
  return pointer
    .slice(1)
    .split("/")
    .map((token) => token.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** The outcome of {@link resolvePointer}. */
export type PointerResolution = { found: true; value: unknown } | { found: false };

/**
 * The value `pointer` refers to in a parsed JSON `document`. Array tokens must be canonical indexes (`0`, `12`; not
 * `01` or `-`, which points past the end); object tokens match own properties only, so `/__proto__` or
 * `/constructor` find nothing on a payload that does not carry them.
 * @throws {AppError} `validation_failed` when the pointer itself is malformed.
 */
export function resolvePointer(document: unknown, pointer: string): PointerResolution {
  const tokens = parsePointer(pointer);
  if (tokens === null) throw new AppError("validation_failed", `Invalid JSON Pointer "${pointer}"`);
  let current = document;
  for (const token of tokens) {
    if (Array.isArray(current)) {
      if (!/^(0|[1-9]\d*)$/.test(token) || Number(token) >= current.length) return { found: false };
      current = current[Number(token)];
    } else if (typeof current === "object" && current !== null && Object.hasOwn(current, token)) {
      current = (current as Record<string, unknown>)[token];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: current };
}

/** A parsed template: literal text and pointers, in order. */
export type TemplatePart = { text: string } | { pointer: string };

/** The outcome of {@link parseTemplate}. */
export type TemplateParse = { ok: true; parts: TemplatePart[] } | { ok: false; message: string };

/**
 * Parses a template: text with `{{pointer}}` placeholders; whitespace just inside the braces is ignored, so
 * `{{ /data/title }}` works. `{{` always opens a placeholder: there is no escape, since a query has no use for
 * literal double braces. Fails on an unclosed placeholder, a malformed pointer or too many placeholders.
 */
export function parseTemplate(template: string): TemplateParse {
  const parts: TemplatePart[] = [];
  let position = 0;
  while (position < template.length) {
    const open = template.indexOf("{{", position);
    if (open < 0) break;
    const close = template.indexOf("}}", open + 2);
    if (close < 0) return { ok: false, message: `Unclosed "{{" at offset ${open}` };
    const pointer = template.slice(open + 2, close).trim();
    if (parsePointer(pointer) === null) {
      return { ok: false, message: `Invalid JSON Pointer "${pointer}" at offset ${open}: it must start with "/"` };
    }
    if (open > position) parts.push({ text: template.slice(position, open) });
    parts.push({ pointer });
    position = close + 2;
  }
  if (position < template.length) parts.push({ text: template.slice(position) });
  if (parts.filter((part) => "pointer" in part).length > MAX_PLACEHOLDERS) {
    return { ok: false, message: `More than ${MAX_PLACEHOLDERS} placeholders` };
  }
  return { ok: true, parts };
}

/** The outcome of {@link renderTemplate}. */
export type TemplateRender = { ok: true; text: string } | { ok: false; missingPointer: string };

/**
 * Renders a template against a payload. Strings are inserted as they are; numbers, booleans, `null`, objects and
 * arrays as JSON text, so a model sees structured values unambiguously. The first pointer that resolves to nothing is
 * reported rather than rendered as empty, which would silently produce a different question.
 * @throws {AppError} `validation_failed` when the template is malformed (a stored mapping never is).
 * @example renderTemplate("Summarise {{/data/title}}", { data: { title: "Q3" } }) // { ok: true, text: "Summarise Q3" }
 */
export function renderTemplate(template: string, payload: unknown): TemplateRender {
  const parsed = parseTemplate(template);
  if (!parsed.ok) throw new AppError("validation_failed", parsed.message);
  let text = "";
  for (const part of parsed.parts) {
    if ("text" in part) {
      text += part.text;
      continue;
    }
    const resolved = resolvePointer(payload, part.pointer);
    if (!resolved.found) return { ok: false, missingPointer: part.pointer };
    text += typeof resolved.value === "string" ? resolved.value : JSON.stringify(resolved.value);
  }
  return { ok: true, text };
}

/** A JSON Pointer (RFC 6901) into an inbound payload; `""` selects the whole payload. */
export const JsonPointer = z
  .string()
  .max(MAX_POINTER_LENGTH)
  .refine((pointer) => parsePointer(pointer) !== null, {
    message: 'Must be a JSON Pointer: empty, or "/" followed by tokens with "~" escaped as "~0" and "/" as "~1"',
  });
export type JsonPointer = z.infer<typeof JsonPointer>;

/** A query template with `{{/json/pointer}}` placeholders, checked when the mapping is saved. */
export const PayloadTemplate = z
  .string()
  .trim()
  .min(1)
  .max(MAX_TEMPLATE_LENGTH)
  .superRefine((template, ctx) => {
    const parsed = parseTemplate(template);
    if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.message, input: template });
  });
export type PayloadTemplate = z.infer<typeof PayloadTemplate>;

/**
 * How an inbound endpoint builds a task from a payload: the query template, and where the context and the documents
 * are found. Absent `context`/`documents` mean the task gets none.
 * @example { query: "Triage {{/issue/title}}", context: "/issue/body" }
 */
export const PayloadMapping = z.strictObject({
  query: PayloadTemplate,
  context: JsonPointer.optional(),
  documents: JsonPointer.optional(),
});
export type PayloadMapping = z.infer<typeof PayloadMapping>;

/** The task fields a mapping produces; the caller validates them against the task request schema. */
export interface MappedTask {
  query: string;
  context?: unknown;
  documents?: unknown;
}

/** The outcome of {@link mapPayload}. */
export type PayloadMappingResult =
  | { ok: true; task: MappedTask }
  | { ok: false; reason: "missing_pointer"; field: keyof PayloadMapping; pointer: string }
  | { ok: false; reason: "empty_query" };

/**
 * Applies a validated mapping to an inbound payload. A pointer that finds nothing is reported with the field and the
 * pointer (`context: /issue/body not found`), so the sender can fix the payload or the user the mapping.
 * @example
 * const mapped = mapPayload(endpoint.mapping, await c.req.json());
 * if (!mapped.ok) throw new AppError("validation_failed", "Payload does not fit the mapping", { details: mapped });
 */
export function mapPayload(mapping: PayloadMapping, payload: unknown): PayloadMappingResult {
  const query = renderTemplate(mapping.query, payload);
  if (!query.ok) return { ok: false, reason: "missing_pointer", field: "query", pointer: query.missingPointer };
  if (query.text.trim() === "") return { ok: false, reason: "empty_query" };
  const task: MappedTask = { query: query.text };
  for (const field of ["context", "documents"] as const) {
    const pointer = mapping[field];
    if (pointer === undefined) continue;
    const resolved = resolvePointer(payload, pointer);
    if (!resolved.found) return { ok: false, reason: "missing_pointer", field, pointer };
    task[field] = resolved.value;
  }
  return { ok: true, task };
}
