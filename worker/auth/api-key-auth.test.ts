/** API-key authentication through the real app: every way a credential can be wrong, and scopes. */
import { describe, expect, it } from "vitest";
import { call, newTenant, useTestDb } from "../../test/worker/harness";

const handle = useTestDb();

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(5);
  return body.error.message;
}

describe("API-key authentication", () => {
  it("accepts a valid key and records its use", async () => {
    const { apiKey, tenant } = await newTenant(handle);
    const res = await call("/v1/me", { key: apiKey.secret });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ tenantId: tenant.id, via: "api_key", scopes: ["admin"] });
    const listed = await call("/v1/api-keys", { key: apiKey.secret });
    const { items } = (await listed.json()) as { items: Array<{ id: string; lastUsedAt: string | null }> };
    expect(items.find((k) => k.id === apiKey.id)?.lastUsedAt).not.toBeNull();
  });

  it("refuses a revoked key", async () => {
    const { apiKey } = await newTenant(handle);
    const revoked = await call(`/v1/api-keys/${apiKey.id}`, { method: "DELETE", key: apiKey.secret });
    expect(revoked.status).toBe(200);
    expect(await expectError(await call("/v1/me", { key: apiKey.secret }), 401, "unauthenticated")).toMatch(/revoked/);
  });

  it("refuses a key whose prefix does not match its secret", async () => {
    const { apiKey } = await newTenant(handle);
    const tampered = apiKey.secret.replace(/^frk_.{8}/, "frk_ZZZZZZZZ");
    await expectError(await call("/v1/me", { key: tampered }), 401, "unauthenticated");
  });

  it("refuses a key with a foreign prefix or shape", async () => {
    const { apiKey } = await newTenant(handle);
    await expectError(await call("/v1/me", { key: apiKey.secret.replace("frk_", "sk_") }), 401, "unauthenticated");
    await expectError(await call("/v1/me", { key: "frk_short" }), 401, "unauthenticated");
  });

  it("refuses a missing credential", async () => {
    expect(await expectError(await call("/v1/me"), 401, "unauthenticated")).toMatch(/Missing credentials/);
  });

  it.each(["Token abc", "Bearer", "Bearer a b", "Basic dXNlcjpwYXNz"])("refuses the malformed header %j", async (h) => {
    const res = await call("/v1/me", { headers: { authorization: h } });
    expect(await expectError(res, 401, "unauthenticated")).toMatch(/Malformed Authorization header/);
  });

  it("refuses a key of the wrong scope with 403", async () => {
    const { apiKey } = await newTenant(handle, "ro", ["sessions:read"]);
    expect((await call("/v1/me", { key: apiKey.secret })).status).toBe(200);
    const res = await call("/v1/api-keys", { key: apiKey.secret });
    expect(await expectError(res, 403, "forbidden")).toMatch(/'admin' scope/);
  });

  it("refuses an expired key", async () => {
    const { apiKey: admin } = await newTenant(handle);
    const created = await call("/v1/api-keys", {
      method: "POST",
      key: admin.secret,
      json: { name: "short-lived", scopes: ["tasks:read"], expiresInDays: 1 },
    });
    const key = (await created.json()) as { id: string; secret: string };
    const { apiKeys } = await import("../db/schema");
    const { eq } = await import("drizzle-orm");
    await handle.db
      .update(apiKeys)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(apiKeys.id, key.id));
    expect(await expectError(await call("/v1/me", { key: key.secret }), 401, "unauthenticated")).toMatch(/expired/);
  });

  it("refuses keys of a suspended tenant with 403", async () => {
    const { apiKey, tenant } = await newTenant(handle);
    const { tenants } = await import("../db/schema");
    const { eq } = await import("drizzle-orm");
    await handle.db.update(tenants).set({ status: "suspended" }).where(eq(tenants.id, tenant.id));
    await expectError(await call("/v1/me", { key: apiKey.secret }), 403, "forbidden");
  });
});

describe("API-key management", () => {
  it("shows the secret once, stores only its hash, and lists without secrets", async () => {
    const { apiKey } = await newTenant(handle);
    const res = await call("/v1/api-keys", { method: "POST", key: apiKey.secret, json: { name: "ci" } });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string; secret: string; prefix: string; scopes: string[] };
    expect(created.secret).toMatch(/^frk_[A-Za-z0-9]{8}_[A-Za-z0-9]{40}$/);
    expect(created.secret.startsWith(created.prefix)).toBe(true);
    expect(created.scopes).toEqual(["sessions:write", "tasks:write", "documents:write"]);
    const { repos } = await import("../db/repos");
    const me = (await (await call("/v1/me", { key: apiKey.secret })).json()) as { tenantId: string };
    const row = await repos.apiKeys.get(handle.db, me.tenantId, created.id);
    expect(row?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(created.secret);
    const list = await (await call("/v1/api-keys", { key: apiKey.secret })).text();
    expect(list).toContain(created.prefix);
    expect(list).not.toContain(created.secret);
    expect((await call("/v1/me", { key: created.secret })).status).toBe(200);
  });

  it("cannot revoke another tenant's key: 404, and the key keeps working", async () => {
    const a = await newTenant(handle, "a");
    const b = await newTenant(handle, "b");
    await expectError(
      await call(`/v1/api-keys/${a.apiKey.id}`, { method: "DELETE", key: b.apiKey.secret }),
      404,
      "not_found",
    );
    expect((await call("/v1/me", { key: a.apiKey.secret })).status).toBe(200);
    const listB = await (await call("/v1/api-keys", { key: b.apiKey.secret })).text();
    expect(listB).not.toContain(a.apiKey.id);
  });

  it("answers 404 for a missing or malformed id", async () => {
    const { apiKey } = await newTenant(handle);
    await expectError(
      await call(`/v1/api-keys/${crypto.randomUUID()}`, { method: "DELETE", key: apiKey.secret }),
      404,
      "not_found",
    );
    await expectError(await call("/v1/api-keys/nope", { method: "DELETE", key: apiKey.secret }), 404, "not_found");
  });
});
