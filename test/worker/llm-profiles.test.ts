/**
 * Tenant LLM profiles inside workerd: keys are sealed and never returned, base URLs pass the SSRF guard, one default
 * per tenant, a real test call through the gateway against the scripted LLM, and `resolveTenantLlm` for launchers.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { llmProfiles } from "../../worker/db/schema";
import { resolveTenantLlm } from "../../worker/llm/profiles";
import { call, newTenant, useTestDb } from "./harness";
import { receivedAt, redirectingModel } from "./scripted-llm";

const handle = useTestDb();
const baseUrl = env.OPENAI_BASE_URL as string;
const apiKey = env.OPENAI_API_KEY as string;

interface Profile {
  id: string;
  name: string;
  baseUrl: string;
  plannerModel: string;
  delegateModel: string;
  isDefault: boolean;
  hasKey: boolean;
  keyHint: string | null;
}

interface Issues {
  error: { code: string; details?: { issues?: Array<{ field: string }> } };
}

async function json<T>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return (text ? JSON.parse(text) : undefined) as T;
}

const fields = (body: Issues) => body.error.details?.issues?.map((i) => i.field) ?? [];

function create(key: string, body: Record<string, unknown>) {
  return call("/v1/llm-profiles", {
    method: "POST",
    key,
    json: { name: "local", baseUrl, apiKey, plannerModel: "solver", delegateModel: "solver", ...body },
  });
}

describe("llm profiles", () => {
  it("creates a profile with a sealed key that is never returned, lists, reads, updates and deletes it", async () => {
    const { apiKey: admin, tenant } = await newTenant(handle, "llmp");
    const created = await json<Profile>(
      await create(admin.secret, { name: "OpenAI", apiKey: "sk-proj-abcdefghijklmnopqrstuvwxyz", isDefault: true }),
      201,
    );
    expect(created).toMatchObject({ name: "OpenAI", hasKey: true, keyHint: "sk-proj-…wxyz", isDefault: true });
    expect(JSON.stringify(created)).not.toContain("abcdefghijklmnop");
    const [row] = await handle.db.select().from(llmProfiles).where(eq(llmProfiles.id, created.id));
    expect(row?.tenantId).toBe(tenant.id);
    expect(row?.apiKeyCiphertext).toMatch(/^v1\./);
    expect(row?.apiKeyCiphertext).not.toContain("abcdefghijklmnop");

    const list = await json<{ items: Profile[] }>(await call("/v1/llm-profiles", { key: admin.secret }), 200);
    expect(list.items.map((p) => p.id)).toEqual([created.id]);
    expect(JSON.stringify(list)).not.toContain("abcdefghijklmnop");
    const read = await json<Profile>(await call(`/v1/llm-profiles/${created.id}`, { key: admin.secret }), 200);
    expect(read).toMatchObject({ id: created.id, hasKey: true });

    const renamed = await json<Profile>(
      await call(`/v1/llm-profiles/${created.id}`, {
        method: "PATCH",
        key: admin.secret,
        json: { name: "OpenAI (prod)", delegateModel: "gpt-5-mini", apiKey: null },
      }),
      200,
    );
    expect(renamed).toMatchObject({ name: "OpenAI (prod)", delegateModel: "gpt-5-mini", hasKey: false, keyHint: null });
    expect(renamed.plannerModel).toBe("solver");

    expect((await call(`/v1/llm-profiles/${created.id}`, { method: "DELETE", key: admin.secret })).status).toBe(204);
    expect((await call(`/v1/llm-profiles/${created.id}`, { key: admin.secret })).status).toBe(404);
  });

  it("keeps one default per tenant", async () => {
    const { apiKey: admin } = await newTenant(handle, "llmdef");
    const a = await json<Profile>(await create(admin.secret, { name: "a", isDefault: true }), 201);
    const b = await json<Profile>(await create(admin.secret, { name: "b", isDefault: true }), 201);
    let list = await json<{ items: Profile[] }>(await call("/v1/llm-profiles", { key: admin.secret }), 200);
    expect(list.items.filter((p) => p.isDefault).map((p) => p.id)).toEqual([b.id]);
    await json(
      await call(`/v1/llm-profiles/${a.id}`, { method: "PATCH", key: admin.secret, json: { isDefault: true } }),
      200,
    );
    list = await json<{ items: Profile[] }>(await call("/v1/llm-profiles", { key: admin.secret }), 200);
    expect(list.items.map((p) => [p.name, p.isDefault])).toEqual([
      ["a", true],
      ["b", false],
    ]);
    const duplicate = await json<Issues>(await create(admin.secret, { name: "a" }), 409);
    expect(fields(duplicate)).toEqual(["json.name"]);
  });

  it("tests a profile with a real call, and reports a rejected key and a wrong path with guidance", async () => {
    const { apiKey: admin } = await newTenant(handle, "llmtest");
    const good = await json<Profile>(await create(admin.secret, { name: "good" }), 201);
    const report = await json<{ ok: boolean; model: string; latencyMs: number; reply: string }>(
      await call(`/v1/llm-profiles/${good.id}/test`, { method: "POST", key: admin.secret }),
      200,
    );
    expect(report).toMatchObject({ ok: true, model: "solver" });
    expect(report.latencyMs).toBeGreaterThanOrEqual(0);

    const badKey = await json<Profile>(
      await create(admin.secret, { name: "bad key", apiKey: "sk-wrong-0123456789" }),
      201,
    );
    const denied = await json<{ ok: boolean; error: { code: string }; guidance: string }>(
      await call(`/v1/llm-profiles/${badKey.id}/test`, { method: "POST", key: admin.secret, json: {} }),
      200,
    );
    expect(denied).toMatchObject({ ok: false, error: { code: "llm_auth_failed" } });
    expect(denied.guidance).toMatch(/key/);
    expect(JSON.stringify(denied)).not.toContain("sk-wrong-0123456789");

    // A base URL that is not where the provider's API lives: the provider answers 404.
    const badPath = await json<Profile>(
      await create(admin.secret, { name: "bad path", baseUrl: `${baseUrl}/nope` }),
      201,
    );
    const missing = await json<{ ok: boolean; error: { code: string; status: number }; guidance: string }>(
      await call(`/v1/llm-profiles/${badPath.id}/test`, {
        method: "POST",
        key: admin.secret,
        json: { role: "delegate" },
      }),
      200,
    );
    expect(missing).toMatchObject({ ok: false, error: { code: "upstream_error", status: 404 } });
    expect(missing.guidance).toMatch(/base URL/);
  });

  it("does not follow a redirect from the profile's endpoint when testing it", async () => {
    const { apiKey: admin } = await newTenant(handle, "llmredir");
    const { model, target } = await redirectingModel();
    const profile = await json<Profile>(await create(admin.secret, { name: "moved", plannerModel: model }), 201);
    const report = await json<{ ok: boolean; error: { code: string; message: string }; guidance: string }>(
      await call(`/v1/llm-profiles/${profile.id}/test`, { method: "POST", key: admin.secret, json: {} }),
      200,
    );
    expect(await receivedAt(target)).toEqual([]);
    expect(report).toMatchObject({ ok: false, error: { code: "upstream_error" } });
    expect(report.error.message).toContain("redirects are not followed");
    expect(report.guidance).toMatch(/base URL/);
  });

  it("rejects invalid input naming the field, and base URLs the Worker must not call", async () => {
    const { apiKey: admin } = await newTenant(handle, "llmbad");
    const noModel = await json<Issues>(await create(admin.secret, { plannerModel: "" }), 400);
    expect(fields(noModel)).toContain("json.plannerModel");
    const notUrl = await json<Issues>(await create(admin.secret, { baseUrl: "not a url" }), 400);
    expect(fields(notUrl)).toContain("json.baseUrl");
    const metadata = await json<Issues>(await create(admin.secret, { baseUrl: "http://169.254.169.254/v1" }), 400);
    expect(fields(metadata)).toEqual(["json.baseUrl"]);
    const withCredentials = await json<Issues>(
      await create(admin.secret, { baseUrl: "https://u:p@example.com/v1" }),
      400,
    );
    expect(fields(withCredentials)).toEqual(["json.baseUrl"]);

    const profile = await json<Profile>(await create(admin.secret, {}), 201);
    const empty = await json<Issues>(
      await call(`/v1/llm-profiles/${profile.id}`, { method: "PATCH", key: admin.secret, json: {} }),
      400,
    );
    expect(empty.error.code).toBe("validation_failed");
    const badPatch = await json<Issues>(
      await call(`/v1/llm-profiles/${profile.id}`, {
        method: "PATCH",
        key: admin.secret,
        json: { baseUrl: "http://metadata.google.internal/v1" },
      }),
      400,
    );
    expect(fields(badPatch)).toEqual(["json.baseUrl"]);
    const badTest = await json<Issues>(
      await call(`/v1/llm-profiles/${profile.id}/test`, { method: "POST", key: admin.secret, json: { timeoutMs: 5 } }),
      400,
    );
    expect(fields(badTest)).toEqual(["json.timeoutMs"]);
  });

  it("refuses private base URLs outside development", async () => {
    const { tenant } = await newTenant(handle, "llmprod");
    const { checkLlmBaseUrl } = await import("../../worker/llm/profiles");
    expect(await checkLlmBaseUrl({ ENVIRONMENT: "production" }, baseUrl)).toMatchObject({ ok: false });
    expect(await checkLlmBaseUrl({ ENVIRONMENT: "development" }, baseUrl)).toMatchObject({ ok: true });
    // A stored profile whose URL is no longer allowed is refused at use, not only at save.
    await handle.db.insert(llmProfiles).values({
      tenantId: tenant.id,
      name: "private",
      baseUrl,
      plannerModel: "solver",
      delegateModel: "solver",
      isDefault: true,
    });
    await expect(
      resolveTenantLlm({ ...env, ENVIRONMENT: "production" } as Env, handle.db, tenant.id, {}),
    ).rejects.toMatchObject({ code: "bad_request" });
  });

  it("answers 404 for another tenant's profile and 403 without the scope", async () => {
    const owner = await newTenant(handle, "llmown");
    const other = await newTenant(handle, "llmoth");
    const profile = await json<Profile>(await create(owner.apiKey.secret, {}), 201);
    const key = other.apiKey.secret;
    expect((await call(`/v1/llm-profiles/${profile.id}`, { key })).status).toBe(404);
    expect(
      (await call(`/v1/llm-profiles/${profile.id}`, { method: "PATCH", key, json: { name: "mine" } })).status,
    ).toBe(404);
    expect((await call(`/v1/llm-profiles/${profile.id}/test`, { method: "POST", key })).status).toBe(404);
    expect((await call(`/v1/llm-profiles/${profile.id}`, { method: "DELETE", key })).status).toBe(404);
    expect((await call("/v1/llm-profiles/not-a-uuid", { key })).status).toBe(404);
    expect((await json<{ items: Profile[] }>(await call("/v1/llm-profiles", { key }), 200)).items).toEqual([]);

    const reader = await newTenant(handle, "llmread", ["sessions:read"]);
    expect((await call("/v1/llm-profiles", { key: reader.apiKey.secret })).status).toBe(200);
    expect((await create(reader.apiKey.secret, {})).status).toBe(403);
    const docs = await newTenant(handle, "llmdocs", ["documents:read"]);
    expect((await call("/v1/llm-profiles", { key: docs.apiKey.secret })).status).toBe(403);
    const writer = await newTenant(handle, "llmwrite", ["sessions:write", "tasks:write"]);
    const mine = await json<Profile>(await create(owner.apiKey.secret, { name: "second" }), 201);
    for (const [method, path] of [
      ["POST", "/v1/llm-profiles"],
      ["PATCH", `/v1/llm-profiles/${mine.id}`],
      ["DELETE", `/v1/llm-profiles/${mine.id}`],
      ["POST", `/v1/llm-profiles/${mine.id}/test`],
    ] as const) {
      const res = await call(path, { method, key: writer.apiKey.secret, json: { name: "x" } });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
  });

  it("resolveTenantLlm: the default profile, a named one, or null; another tenant's id is not found", async () => {
    const { apiKey: admin, tenant } = await newTenant(handle, "llmres");
    expect(await resolveTenantLlm(env, handle.db, tenant.id, {})).toBeNull();
    const named = await json<Profile>(await create(admin.secret, { name: "named", plannerModel: "p1" }), 201);
    expect(await resolveTenantLlm(env, handle.db, tenant.id, {})).toBeNull();
    await json(await create(admin.secret, { name: "default", isDefault: true, delegateModel: "d2" }), 201);

    const fallback = await resolveTenantLlm(env, handle.db, tenant.id, {});
    expect(fallback?.modelFor("planner")).toBe("solver");
    expect(fallback?.modelFor("delegate")).toBe("d2");
    const overridden = await resolveTenantLlm(env, handle.db, tenant.id, { delegate: "solver" });
    expect(overridden?.modelFor("delegate")).toBe("solver");
    const chosen = await resolveTenantLlm(env, handle.db, tenant.id, {}, named.id);
    expect(chosen?.modelFor("planner")).toBe("p1");

    const reply = await fallback?.complete({ role: "planner", messages: [{ role: "user", content: "Say pong" }] });
    expect(reply?.content.length).toBeGreaterThan(0);

    const other = await newTenant(handle, "llmres2");
    await expect(resolveTenantLlm(env, handle.db, other.tenant.id, {}, named.id)).rejects.toMatchObject({
      code: "not_found",
    });
  });
});
