/** Inbound payload → task mapping: JSON Pointer resolution, templates and the stored mapping's validation. */
import { describe, expect, it } from "vitest";
import {
  JsonPointer,
  mapPayload,
  PayloadMapping,
  PayloadTemplate,
  parsePointer,
  parseTemplate,
  renderTemplate,
  resolvePointer,
} from "./payload-mapping";

/** The example document of RFC 6901 §5. */
const rfcDocument = JSON.parse(`{
  "foo": ["bar", "baz"],
  "": 0,
  "a/b": 1,
  "c%d": 2,
  "e^f": 3,
  "g|h": 4,
  "i\\\\j": 5,
  "k\\"l": 6,
  " ": 7,
  "m~n": 8
}`);

const payload = {
  data: { title: "Q3 report", pages: 12, draft: false, tags: ["finance", "q3"], owner: null },
  user: { name: "Ada" },
  items: [{ id: "a" }, { id: "b" }],
};

describe("parsePointer", () => {
  it("splits and unescapes tokens, ~1 before ~0", () => {
    expect(parsePointer("")).toEqual([]);
    expect(parsePointer("/")).toEqual([""]);
    expect(parsePointer("/a~1b/m~0n")).toEqual(["a/b", "m~n"]);
    expect(parsePointer("/~01")).toEqual(["~1"]);
    expect(parsePointer("/a//b")).toEqual(["a", "", "b"]);
  });

  it("rejects pointers that do not start with / and bad escapes", () => {
    for (const pointer of ["a", "a/b", "#/a", "/a~", "/a~2", "/~x"]) expect(parsePointer(pointer), pointer).toBeNull();
  });
});

describe("resolvePointer", () => {
  it("resolves every example of RFC 6901 §5", () => {
    const cases: Array<[string, unknown]> = [
      ["", rfcDocument],
      ["/foo", ["bar", "baz"]],
      ["/foo/0", "bar"],
      ["/", 0],
      ["/a~1b", 1],
      ["/c%d", 2],
      ["/e^f", 3],
      ["/g|h", 4],
      ["/i\\j", 5],
      ['/k"l', 6],
      ["/ ", 7],
      ["/m~0n", 8],
    ];
    for (const [pointer, value] of cases)
      expect(resolvePointer(rfcDocument, pointer), pointer).toEqual({ found: true, value });
  });

  it("finds falsy values, which are not missing", () => {
    expect(resolvePointer(payload, "/data/owner")).toEqual({ found: true, value: null });
    expect(resolvePointer(payload, "/data/draft")).toEqual({ found: true, value: false });
    expect(resolvePointer({ n: 0, s: "" }, "/s")).toEqual({ found: true, value: "" });
  });

  it("indexes arrays only with canonical in-range indexes", () => {
    expect(resolvePointer(payload, "/items/1/id")).toEqual({ found: true, value: "b" });
    for (const pointer of [
      "/items/2",
      "/items/-",
      "/items/01",
      "/items/-1",
      "/items/1.0",
      "/items/length",
      "/items/ 1",
    ]) {
      expect(resolvePointer(payload, pointer), pointer).toEqual({ found: false });
    }
  });

  it("reports missing keys and paths through scalars as not found", () => {
    for (const pointer of ["/nope", "/data/title/0", "/data/pages/x", "/data/owner/x", "/user/name/length"]) {
      expect(resolvePointer(payload, pointer), pointer).toEqual({ found: false });
    }
    expect(resolvePointer("text", "/0")).toEqual({ found: false });
  });

  it("never walks into inherited properties", () => {
    for (const pointer of ["/__proto__", "/constructor", "/toString", "/data/hasOwnProperty", "/items/map"]) {
      expect(resolvePointer(payload, pointer), pointer).toEqual({ found: false });
    }
    expect(resolvePointer(JSON.parse('{"__proto__": {"x": 1}}'), "/__proto__/x")).toEqual({ found: true, value: 1 });
  });

  it("throws a validation error naming a malformed pointer", () => {
    expect(() => resolvePointer(payload, "data/title")).toThrow(/Invalid JSON Pointer "data\/title"/);
  });
});

describe("parseTemplate", () => {
  it("splits text and placeholders, trimming inside the braces", () => {
    expect(parseTemplate("Summarise {{/data/title}} for {{ /user/name }}.")).toEqual({
      ok: true,
      parts: [
        { text: "Summarise " },
        { pointer: "/data/title" },
        { text: " for " },
        { pointer: "/user/name" },
        { text: "." },
      ],
    });
    expect(parseTemplate("no placeholders")).toEqual({ ok: true, parts: [{ text: "no placeholders" }] });
    expect(parseTemplate("{{/a}}{{/b}}")).toEqual({ ok: true, parts: [{ pointer: "/a" }, { pointer: "/b" }] });
    expect(parseTemplate("a } b }} c")).toEqual({ ok: true, parts: [{ text: "a } b }} c" }] });
  });

  it("reports an unclosed placeholder with its offset", () => {
    expect(parseTemplate("Summarise {{/data/title")).toEqual({ ok: false, message: 'Unclosed "{{" at offset 10' });
  });

  it("reports a placeholder that is not a pointer", () => {
    expect(parseTemplate("Hi {{user.name}}")).toEqual({
      ok: false,
      message: 'Invalid JSON Pointer "user.name" at offset 3: it must start with "/"',
    });
  });

  it("limits the number of placeholders", () => {
    expect(parseTemplate("{{/a}}".repeat(64)).ok).toBe(true);
    expect(parseTemplate("{{/a}}".repeat(65))).toEqual({ ok: false, message: "More than 64 placeholders" });
  });
});

describe("renderTemplate", () => {
  it("inserts strings verbatim and other values as JSON", () => {
    expect(
      renderTemplate(
        "{{/data/title}}|{{/data/pages}}|{{/data/draft}}|{{/data/owner}}|{{/data/tags}}|{{/items/0}}",
        payload,
      ),
    ).toEqual({ ok: true, text: 'Q3 report|12|false|null|["finance","q3"]|{"id":"a"}' });
  });

  it("does not re-expand braces that come from the payload", () => {
    expect(renderTemplate("{{/x}}", { x: "{{/y}}", y: "secret" })).toEqual({ ok: true, text: "{{/y}}" });
  });

  it("names the first pointer that finds nothing", () => {
    expect(renderTemplate("{{/user/name}} {{/user/email}} {{/nope}}", payload)).toEqual({
      ok: false,
      missingPointer: "/user/email",
    });
  });

  it("throws on a malformed template", () => {
    expect(() => renderTemplate("{{", payload)).toThrow(/Unclosed/);
  });
});

describe("schemas", () => {
  it("JsonPointer accepts pointers and refuses the rest", () => {
    expect(JsonPointer.safeParse("").success).toBe(true);
    expect(JsonPointer.safeParse("/a~1b").success).toBe(true);
    expect(JsonPointer.safeParse("a").success).toBe(false);
    expect(JsonPointer.safeParse(`/${"a".repeat(1_024)}`).success).toBe(false);
  });

  it("PayloadTemplate explains a broken template", () => {
    const result = PayloadTemplate.safeParse("Hi {{/user/name");
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('Unclosed "{{" at offset 3');
    expect(PayloadTemplate.safeParse("   ").success).toBe(false);
  });

  it("PayloadMapping requires a query, allows context and documents, and refuses unknown keys", () => {
    expect(PayloadMapping.parse({ query: " Triage {{/issue/title}} ", context: "/issue/body" })).toEqual({
      query: "Triage {{/issue/title}}",
      context: "/issue/body",
    });
    expect(PayloadMapping.safeParse({}).success).toBe(false);
    expect(PayloadMapping.safeParse({ query: "x", documents: "docs" }).success).toBe(false);
    expect(PayloadMapping.safeParse({ query: "x", extra: 1 }).success).toBe(false);
  });
});

describe("mapPayload", () => {
  it("renders the query and picks context and documents", () => {
    const mapping = PayloadMapping.parse({
      query: "Summarise {{/data/title}} for {{/user/name}}",
      context: "/data",
      documents: "/data/tags",
    });
    expect(mapPayload(mapping, payload)).toEqual({
      ok: true,
      task: { query: "Summarise Q3 report for Ada", context: payload.data, documents: ["finance", "q3"] },
    });
  });

  it("leaves out context and documents the mapping does not name", () => {
    expect(mapPayload({ query: "Hello {{/user/name}}" }, payload)).toEqual({ ok: true, task: { query: "Hello Ada" } });
  });

  it("can take the whole payload as context", () => {
    expect(mapPayload({ query: "Go", context: "" }, payload)).toEqual({
      ok: true,
      task: { query: "Go", context: payload },
    });
  });

  it("names the field and pointer that found nothing", () => {
    expect(mapPayload({ query: "Hi {{/user/nick}}" }, payload)).toEqual({
      ok: false,
      reason: "missing_pointer",
      field: "query",
      pointer: "/user/nick",
    });
    expect(mapPayload({ query: "Hi", context: "/issue/body" }, payload)).toEqual({
      ok: false,
      reason: "missing_pointer",
      field: "context",
      pointer: "/issue/body",
    });
    expect(mapPayload({ query: "Hi", documents: "/items/5" }, payload)).toEqual({
      ok: false,
      reason: "missing_pointer",
      field: "documents",
      pointer: "/items/5",
    });
  });

  it("refuses a query that renders empty", () => {
    expect(mapPayload({ query: "{{/s}}" }, { s: "  " })).toEqual({ ok: false, reason: "empty_query" });
  });

  it("treats a non-object payload like any other document", () => {
    expect(mapPayload({ query: "Echo {{}}" }, "plain")).toEqual({ ok: true, task: { query: "Echo plain" } });
    expect(mapPayload({ query: "First {{/0}}" }, ["x"])).toEqual({ ok: true, task: { query: "First x" } });
  });
});
