/**
 * A NUL character (U+0000) cannot be stored in a Postgres text or jsonb value. Every documented operation refuses one
 * in any path parameter, query parameter or JSON body field with a 400 naming the field, instead of failing with a
 * 500 when the database rejects it. The operations are read from the served OpenAPI document, so a new route is
 * covered without editing this file.
 */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { tenants } from "../../worker/db/schema";
import { call, expectJson, newTenant, useTestDb } from "./harness";

const handle = useTestDb();

const NUL = "a\u0000b";

interface Parameter {
  in: string;
  name: string;
  required?: boolean;
}
interface SchemaObject {
  $ref?: string;
  properties?: Record<string, unknown>;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: SchemaObject }> };
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, SchemaObject> };
}
interface ErrorBody {
  error: { code: string; message: string; details?: { issues?: Array<{ field: string }> } };
}

/** Operations that answer in OpenAI's error shape, which names the fields in its message (and `param`). */
const OPENAI_SHAPED = new Set(["POST /v1/chat/completions"]);

/** Bodies refused later on purpose: an inbound webhook payload is checked once mapped to a task (tested below). */
const BODY_CHECKED_LATER = new Set(["POST /v1/hooks/{endpointId}"]);

/** One request per operation and place a NUL can be: path, query, body. */
function cases(document: OpenApiDocument) {
  const out: Array<{ name: string; method: string; url: string; json?: unknown; fields: string[] }> = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const parameters = operation.parameters ?? [];
      const name = `${method.toUpperCase()} ${path}`;
      const pathParams = parameters.filter((p) => p.in === "path").map((p) => p.name);
      const fill = (value: string) =>
        pathParams.reduce((url, param) => url.replace(`{${param}}`, encodeURIComponent(value)), path);
      const cleanPath = fill(crypto.randomUUID());
      if (pathParams.length > 0) {
        // Required query parameters get a plain value, so the path is what the request fails on.
        const required = parameters.filter((p) => p.in === "query" && p.required).map((p) => [p.name, "x"]);
        const url = required.length > 0 ? `${fill(NUL)}?${new URLSearchParams(required)}` : fill(NUL);
        out.push({ name: `${name} path`, method, url, fields: pathParams.map((p) => `param.${p}`) });
      }
      const query = parameters.filter((p) => p.in === "query").map((p) => p.name);
      if (query.length > 0) {
        const search = new URLSearchParams(query.map((q) => [q, NUL]));
        out.push({
          name: `${name} query`,
          method,
          url: `${cleanPath}?${search}`,
          fields: query.map((q) => `query.${q}`),
        });
      }
      const body = operation.requestBody?.content["application/json"]?.schema;
      if (body && !BODY_CHECKED_LATER.has(name)) {
        const schema = body.$ref ? document.components.schemas[body.$ref.split("/").at(-1) ?? ""] : body;
        const properties = Object.keys(schema?.properties ?? { field: {} });
        out.push({
          name: `${name} body`,
          method,
          url: cleanPath,
          json: Object.fromEntries(properties.map((p) => [p, NUL])),
          fields: properties.map((p) => `json.${p}`),
        });
      }
    }
  }
  return out;
}

describe("a NUL character in input", () => {
  it("is refused with 400 naming the field on every documented operation", async () => {
    const { apiKey, tenant } = await newTenant(handle, "nul");
    // The enterprise rate limit leaves room for the hundred or so requests below.
    await handle.db.update(tenants).set({ plan: "enterprise" }).where(eq(tenants.id, tenant.id));
    const document = await expectJson<OpenApiDocument>(await call("/openapi.json"), 200);
    const all = cases(document);
    expect(all.length).toBeGreaterThan(40);
    const wrong: string[] = [];
    for (const c of all) {
      const res = await call(c.url, { method: c.method.toUpperCase(), key: apiKey.secret, json: c.json });
      const text = await res.text();
      const body = JSON.parse(text) as ErrorBody;
      const named = OPENAI_SHAPED.has(c.name.replace(/ (path|query|body)$/, ""))
        ? new Set(c.fields.filter((f) => body.error?.message?.includes(f)))
        : new Set(body.error?.details?.issues?.map((i) => i.field));
      if (res.status !== 400 || body.error.code !== "validation_failed" || !c.fields.every((f) => named.has(f))) {
        wrong.push(`${c.name}: ${res.status} ${text.slice(0, 200)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("is refused with 400 naming the field in otherwise valid requests, and nothing is stored", async () => {
    const { apiKey, tenant } = await newTenant(handle, "nul-valid");
    await handle.db.update(tenants).set({ plan: "enterprise" }).where(eq(tenants.id, tenant.id));
    const key = apiKey.secret;
    const session = await expectJson<{ id: string }>(
      await call("/v1/sessions", { method: "POST", key, json: { title: "kept" } }),
      201,
    );
    const profile = await expectJson<{ id: string }>(
      await call("/v1/llm-profiles", {
        method: "POST",
        key,
        json: { name: "p", baseUrl: "https://llm.example/v1", plannerModel: "m", delegateModel: "m" },
      }),
      201,
    );
    const models = { planner: "solver" };
    const requests: Array<{ url: string; method?: string; json?: unknown; body?: string; field: string }> = [
      { url: "/v1/auth/dev-login", method: "POST", json: { email: "n@example.com", name: NUL }, field: "json.name" },
      { url: "/v1/api-keys", method: "POST", json: { name: NUL, scopes: ["tasks:read"] }, field: "json.name" },
      { url: "/v1/sessions", method: "POST", json: { title: NUL }, field: "json.title" },
      { url: `/v1/sessions/${session.id}`, method: "PATCH", json: { title: NUL }, field: "json.title" },
      { url: `/v1/sessions?q=${encodeURIComponent(NUL)}`, field: "query.q" },
      { url: "/v1/sessions/a%00b", field: "param.id" },
      { url: "/v1/documents?name=a%00b.txt", method: "POST", body: "text", field: "query.name" },
      { url: "/v1/tasks", method: "POST", json: { query: NUL, context: "c", models }, field: "json.query" },
      {
        url: "/v1/tasks",
        method: "POST",
        json: { query: "q", context: { a: ["x", NUL] }, models },
        field: "json.context.a.1",
      },
      {
        url: "/v1/tasks",
        method: "POST",
        json: { query: "q", context: { [NUL]: 1 }, models },
        field: `json.context.${NUL}`,
      },
      { url: "/v1/rlm/runs", method: "POST", json: { query: "q", context: NUL, models }, field: "json.context" },
      { url: "/v1/rlm/runs/a%00b", field: "param.id" },
      {
        url: "/v1/feedback",
        method: "POST",
        json: { runId: crypto.randomUUID(), score: 1, comment: NUL },
        field: "json.comment",
      },
      {
        url: "/v1/webhooks/endpoints",
        method: "POST",
        json: { direction: "outbound", name: NUL, url: "https://hooks.example/x", events: ["*"] },
        field: "json.name",
      },
      {
        url: "/v1/webhooks/endpoints",
        method: "POST",
        json: { direction: "inbound", name: "n", mapping: { template: { query: `Q ${NUL} {{/a}}` } } },
        field: "json.mapping.template.query",
      },
      {
        url: "/v1/llm-profiles",
        method: "POST",
        json: { name: NUL, baseUrl: "https://llm.example/v1", plannerModel: "m", delegateModel: "m" },
        field: "json.name",
      },
      {
        url: `/v1/llm-profiles/${profile.id}`,
        method: "PATCH",
        json: { plannerModel: NUL },
        field: "json.plannerModel",
      },
      { url: "/v1/diagnostics/llm", method: "POST", json: { model: NUL }, field: "json.model" },
    ];
    const wrong: string[] = [];
    for (const r of requests) {
      const res = await call(r.url, { method: r.method ?? "GET", key, json: r.json, body: r.body });
      const text = await res.text();
      const named = (JSON.parse(text) as ErrorBody).error?.details?.issues?.map((i) => i.field) ?? [];
      if (res.status !== 400 || !named.includes(r.field))
        wrong.push(`${r.method ?? "GET"} ${r.url}: ${res.status} ${text}`);
    }
    expect(wrong).toEqual([]);

    const list = async <T>(path: string) => expectJson<T>(await call(path, { key }), 200);
    expect((await list<{ items: unknown[] }>("/v1/api-keys")).items).toHaveLength(1);
    expect((await list<{ sessions: Array<{ title: string }> }>("/v1/sessions")).sessions.map((s) => s.title)).toEqual([
      "kept",
    ]);
    expect((await list<{ documents: unknown[] }>("/v1/documents")).documents).toEqual([]);
    expect((await list<{ tasks: unknown[] }>("/v1/tasks")).tasks).toEqual([]);
    expect((await list<{ endpoints: unknown[] }>("/v1/webhooks/endpoints")).endpoints).toEqual([]);
    expect((await list<{ items: Array<{ plannerModel: string }> }>("/v1/llm-profiles")).items[0]?.plannerModel).toBe(
      "m",
    );
  });
});
