/** Dev login, session cookies, OIDC tokens and WebSocket tickets. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { call, newTenant, uniqueSlug, useTestDb } from "../../test/worker/harness";
import { createApp } from "../app";
import { authenticateToken } from "../auth/authenticate";
import { consumeWsTicket } from "../db/queries/ws-tickets";
import { repos } from "../db/repos";
import { wsTickets } from "../db/schema";

const handle = useTestDb();

async function callWith(overrides: Partial<Env>, path: string, init: RequestInit) {
  const ctx = createExecutionContext();
  const res = await createApp().fetch(new Request(`https://fleet.test${path}`, init), { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const devLogin = (json: unknown) => call("/v1/auth/dev-login", { method: "POST", json });

describe("dev login", () => {
  it("signs in, sets an HttpOnly cookie, and the cookie authenticates", async () => {
    const tenant = uniqueSlug("dev");
    const res = await devLogin({ email: "Ada@Example.com", tenant });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; me: { role: string; scopes: string[] } };
    expect(body.me.role).toBe("owner");
    expect(body.me.scopes).toContain("admin");
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/fleet_session=.+; .*HttpOnly/);
    const me = await call("/v1/me", { headers: { cookie: cookie.split(";")[0] as string } });
    expect(me.status).toBe(200);
    // Who and where, for the header: the workspace, its plan and the person (email stored lower case).
    expect(await me.json()).toMatchObject({
      via: "session",
      role: "owner",
      plan: "free",
      tenant: { slug: tenant, name: tenant },
      user: { email: "ada@example.com", name: null },
    });
    const bearer = await call("/v1/me", { key: body.token });
    expect(bearer.status).toBe(200);
    const logout = await call("/v1/auth/logout", {
      method: "POST",
      headers: { cookie: cookie.split(";")[0] as string },
    });
    expect(logout.status).toBe(204);
    expect(logout.headers.get("set-cookie")).toMatch(/fleet_session=;.*Max-Age=0/);
  });

  it("is refused in production and creates nothing", async () => {
    const tenant = uniqueSlug("prod");
    const res = await callWith({ ENVIRONMENT: "production" }, "/v1/auth/dev-login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "eve@example.com", tenant }),
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: "forbidden" } });
    const { getTenantBySlug } = await import("../db/queries/identity");
    expect(await getTenantBySlug(handle.db, tenant)).toBeNull();
  });

  it("names the bad fields", async () => {
    const res = await devLogin({ email: "not-an-email", tenant: "UPPER CASE" });
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      error: { code: string; message: string; details: { issues: Array<{ field: string }> } };
    };
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.details.issues.map((i) => i.field).sort()).toEqual(["json.email", "json.tenant"]);
    expect(body.error.message).toContain("json.email");
  });

  it("rejects a session token signed with another secret", async () => {
    const res = await devLogin({ email: "x@example.com", tenant: uniqueSlug("sig") });
    const { token } = (await res.json()) as { token: string };
    const forged = await callWith({ SESSION_SECRET: "another-secret-entirely-0123456789" }, "/v1/me", {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(forged.status).toBe(401);
  });
});

describe("OIDC tokens", () => {
  it("admits a member of an existing tenant and refuses wrong audience, issuer, tenant and signature", async () => {
    const { publicKey, privateKey } = await generateKeyPair("RS256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256" };
    const keys = createLocalJWKSet({ keys: [jwk] });
    const { tenant } = await newTenant(handle, "oidc");
    const oidc = { issuer: "https://idp.example", audience: "fleet", keys, tenantClaim: "org" };
    const sign = (claims: Record<string, unknown>, key = privateKey) =>
      new SignJWT({ email: "grace@example.com", name: "Grace", org: tenant.slug, ...claims })
        .setProtectedHeader({ alg: "RS256", kid: "k1" })
        .setIssuer((claims.iss as string) ?? "https://idp.example")
        .setAudience((claims.aud as string) ?? "fleet")
        .setSubject("user-123")
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(key);
    const deps = { db: handle.db, oidc, defer: () => {} };

    const principal = await authenticateToken(await sign({}), deps);
    expect(principal).toMatchObject({ tenantId: tenant.id, via: "oidc", role: "member" });

    await expect(authenticateToken(await sign({ aud: "other" }), deps)).rejects.toMatchObject({
      code: "unauthenticated",
    });
    await expect(authenticateToken(await sign({ iss: "https://evil.example" }), deps)).rejects.toMatchObject({
      code: "unauthenticated",
    });
    await expect(authenticateToken(await sign({ org: "no-such-tenant" }), deps)).rejects.toMatchObject({
      code: "forbidden",
    });
    const other = await generateKeyPair("RS256");
    await expect(authenticateToken(await sign({}, other.privateKey), deps)).rejects.toMatchObject({
      code: "unauthenticated",
    });
  });
});

describe("WebSocket tickets", () => {
  it("are single-use, bound to one session, and expire", async () => {
    const { apiKey, tenant } = await newTenant(handle);
    const session = await repos.sessions.insert(handle.db, tenant.id, { title: "chat" });
    const other = await repos.sessions.insert(handle.db, tenant.id, { title: "other" });
    const issue = async () => {
      const res = await call("/v1/ws-tickets", { method: "POST", key: apiKey.secret, json: { sessionId: session.id } });
      expect(res.status).toBe(201);
      return ((await res.json()) as { ticket: string }).ticket;
    };
    const ticket = await issue();
    expect(await consumeWsTicket(handle.db, ticket, other.id)).toBeNull();
    expect(await consumeWsTicket(handle.db, ticket, session.id)).toMatchObject({ tenantId: tenant.id });
    expect(await consumeWsTicket(handle.db, ticket, session.id)).toBeNull();

    const stale = await issue();
    const { eq } = await import("drizzle-orm");
    await handle.db
      .update(wsTickets)
      .set({ expiresAt: new Date(Date.now() - 1) })
      .where(eq(wsTickets.tenantId, tenant.id));
    expect(await consumeWsTicket(handle.db, stale, session.id)).toBeNull();
  });

  it("cannot be issued for another tenant's session", async () => {
    const a = await newTenant(handle, "a");
    const b = await newTenant(handle, "b");
    const session = await repos.sessions.insert(handle.db, a.tenant.id, { title: "private" });
    const res = await call("/v1/ws-tickets", { method: "POST", key: b.apiKey.secret, json: { sessionId: session.id } });
    expect(res.status).toBe(404);
  });
});
