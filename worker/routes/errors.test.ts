/** The error contract: JSON 404s, 413 for large bodies, 400 naming fields with nothing changed. */
import { expect, it } from "vitest";
import { call, newTenant, useTestDb } from "../../test/worker/harness";

const handle = useTestDb();

it("answers unknown routes with a JSON 404", async () => {
  const res = await call("/v1/nope");
  expect(res.status).toBe(404);
  expect(res.headers.get("content-type")).toContain("application/json");
  expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
});

it("answers oversized bodies with 413 before touching anything", async () => {
  const { apiKey } = await newTenant(handle);
  const res = await call("/v1/api-keys", {
    method: "POST",
    key: apiKey.secret,
    json: { name: "x".repeat(2 * 1024 * 1024) },
  });
  expect(res.status).toBe(413);
  expect(await res.json()).toMatchObject({ error: { code: "payload_too_large" } });
  const list = (await (await call("/v1/api-keys", { key: apiKey.secret })).json()) as { items: unknown[] };
  expect(list.items).toHaveLength(1);
});

it("answers invalid input with 400 naming each field, and creates nothing", async () => {
  const { apiKey } = await newTenant(handle);
  const res = await call("/v1/api-keys", {
    method: "POST",
    key: apiKey.secret,
    json: { name: "", scopes: ["root"], expiresInDays: -1 },
  });
  expect(res.status).toBe(400);
  const body = (await res.json()) as { error: { details: { issues: Array<{ field: string }> } } };
  expect(body.error.details.issues.map((i) => i.field).sort()).toEqual([
    "json.expiresInDays",
    "json.name",
    "json.scopes.0",
  ]);
  const list = (await (await call("/v1/api-keys", { key: apiKey.secret })).json()) as { items: unknown[] };
  expect(list.items).toHaveLength(1);
});

it("answers a body that is not JSON with 400", async () => {
  const { apiKey } = await newTenant(handle);
  const res = await call("/v1/api-keys", {
    method: "POST",
    key: apiKey.secret,
    headers: { "content-type": "application/json" },
    body: "{not json",
  });
  expect(res.status).toBe(400);
  expect(await res.json()).toMatchObject({ error: { code: expect.stringMatching(/bad_request|validation_failed/) } });
});

it("reports health and readiness, the database separately from the rest", async () => {
  expect(await (await call("/health")).json()).toEqual({ ok: true });
  const res = await call("/ready");
  const body = (await res.json()) as { ready: boolean; checks: Record<string, { ok: boolean; detail: string }> };
  expect(res.status).toBe(200);
  expect(body.ready).toBe(true);
  expect(body.checks.database?.ok).toBe(true);
  expect(Object.keys(body.checks).sort()).toEqual(["database", "llm", "sandbox"]);
});
