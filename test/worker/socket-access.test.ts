/**
 * A session socket is held to the credential that opened it: its scopes decide which frames it may send, and when
 * the credential ends (a revoked key, a sign-out, a suspended tenant) the socket closes and unused tickets open nothing.
 */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { tenants, turns } from "../../worker/db/schema";
import { call, expectJson, newTenant, uniqueSlug, useTestDb } from "./harness";
import { createSession, openSocket, type SessionSocket } from "./session-client";

const handle = useTestDb();

async function mintKey(adminKey: string, scopes: string[]): Promise<{ id: string; key: string }> {
  const body = await expectJson<{ id: string; secret: string }>(
    await call("/v1/api-keys", { method: "POST", key: adminKey, json: { name: "k", scopes } }),
    201,
  );
  return { id: body.id, key: body.secret };
}

async function ticket(key: string, sessionId: string): Promise<string> {
  const body = await expectJson<{ ticket: string }>(
    await call("/v1/ws-tickets", { method: "POST", key, json: { sessionId } }),
    201,
  );
  return body.ticket;
}

function byTicket(sessionId: string, value: string): Promise<SessionSocket> {
  return openSocket(sessionId, { query: `?ticket=${value}` });
}

/** Upgrading with a ticket and expecting a refusal: the HTTP status of the refused upgrade. */
async function refusedUpgrade(sessionId: string, value: string): Promise<number> {
  const res = await call(`/v1/sessions/${sessionId}/ws?ticket=${value}`, { headers: { upgrade: "websocket" } });
  await res.body?.cancel();
  return res.status;
}

describe("session socket access", () => {
  it("lets a read-only credential watch but not start turns, cancel or give feedback", async () => {
    const { apiKey } = await newTenant(handle, "ws-read");
    const sessionId = await createSession(apiKey.secret);
    const reader = await mintKey(apiKey.secret, ["sessions:read"]);

    for (const ws of [
      await byTicket(sessionId, await ticket(reader.key, sessionId)),
      await openSocket(sessionId, { key: reader.key }),
    ]) {
      ws.send({ type: "resume", after: 0 });
      ws.send({ type: "message", text: "spend money", models: { planner: "solver" } });
      ws.send({ type: "cancel" });
      ws.send({ type: "feedback", runId: crypto.randomUUID(), score: 1 });
      await ws.waitFor(
        (f) => f.kind === "error" && JSON.stringify(f.data.issues ?? "").includes("'feedback' needs sessions:write"),
      );
      const refusals = ws.frames.filter((f) => f.kind === "error" && f.data.code === "forbidden");
      expect(refusals.map((f) => f.data.issues)).toEqual([
        [{ field: "type", message: "'message' needs sessions:write" }],
        [{ field: "type", message: "'cancel' needs sessions:write" }],
        [{ field: "type", message: "'feedback' needs sessions:write" }],
      ]);
      ws.close();
    }
    const recorded = await handle.db.select().from(turns).where(eq(turns.sessionId, sessionId));
    expect(recorded).toEqual([]);
  });

  it("refuses frames holding a NUL character, naming the field, and records nothing", async () => {
    const { apiKey } = await newTenant(handle, "ws-nul");
    const sessionId = await createSession(apiKey.secret);
    const ws = await openSocket(sessionId, { key: apiKey.secret });
    ws.send({ type: "message", text: "hi\u0000there", models: { planner: "solver" } });
    ws.send({ type: "feedback", runId: crypto.randomUUID(), score: 1, comment: "bad\u0000" });
    const refusal = await ws.waitFor(
      (f) => f.kind === "error" && JSON.stringify(f.data.issues ?? "").includes("frame.comment"),
    );
    expect(refusal.data.code).toBe("validation_failed");
    expect(ws.frames.filter((f) => f.kind === "error").map((f) => f.data.issues)).toEqual([
      [expect.objectContaining({ field: "frame.text" })],
      [expect.objectContaining({ field: "frame.comment" })],
    ]);
    expect(await handle.db.select().from(turns).where(eq(turns.sessionId, sessionId))).toEqual([]);
    ws.close();
  });

  it("closes a revoked key's sockets within seconds and refuses its unused tickets", async () => {
    const { apiKey } = await newTenant(handle, "ws-revoke");
    const sessionId = await createSession(apiKey.secret);
    const writer = await mintKey(apiKey.secret, ["sessions:write"]);
    const spare = await ticket(writer.key, sessionId);
    const viaTicket = await byTicket(sessionId, await ticket(writer.key, sessionId));
    const viaKey = await openSocket(sessionId, { key: writer.key });
    const bystander = await openSocket(sessionId, { key: apiKey.secret });
    for (const ws of [viaTicket, viaKey, bystander]) ws.send({ type: "resume", after: 0 });

    await expectJson(await call(`/v1/api-keys/${writer.id}`, { method: "DELETE", key: apiKey.secret }), 200);
    const revokedAt = Date.now();
    expect(await viaTicket.waitForClose()).toBe(4401);
    expect(await viaKey.waitForClose()).toBe(4401);
    // The access check runs every 5 s; a close within 8 s leaves room for a loaded machine.
    expect(Date.now() - revokedAt).toBeLessThan(8_000);
    expect(bystander.closed).toBe(false);
    expect(await refusedUpgrade(sessionId, spare)).toBe(401);
    bystander.close();
  });

  it("closes a suspended tenant's sockets and refuses tickets issued before", async () => {
    const { apiKey, tenant } = await newTenant(handle, "ws-suspend");
    const sessionId = await createSession(apiKey.secret);
    const spare = await ticket(apiKey.secret, sessionId);
    const ws = await byTicket(sessionId, await ticket(apiKey.secret, sessionId));
    ws.send({ type: "resume", after: 0 });

    await handle.db.update(tenants).set({ status: "suspended" }).where(eq(tenants.id, tenant.id));
    expect(await ws.waitForClose()).toBe(4403);
    expect(ws.frames.at(-1)).toMatchObject({ seq: null, kind: "error", data: { code: "forbidden" } });
    expect(await refusedUpgrade(sessionId, spare)).toBe(403);
  });

  it("refuses a turn from a socket whose tenant was suspended before the next check", async () => {
    const { apiKey, tenant } = await newTenant(handle, "ws-suspend-turn");
    const sessionId = await createSession(apiKey.secret);
    const ws = await openSocket(sessionId, { key: apiKey.secret });
    ws.send({ type: "resume", after: 0 });
    await handle.db.update(tenants).set({ status: "suspended" }).where(eq(tenants.id, tenant.id));
    ws.send({ type: "message", text: "hello", models: { planner: "solver" } });
    expect(await ws.waitForClose()).toBe(4403);
    expect(await handle.db.select().from(turns).where(eq(turns.sessionId, sessionId))).toEqual([]);
  });

  it("signing out revokes the token server-side: the API refuses it and its socket closes", async () => {
    const slug = uniqueSlug("ws-logout");
    const signedIn = await expectJson<{ token: string }>(
      await call("/v1/auth/dev-login", { method: "POST", json: { email: "out@example.com", tenant: slug } }),
      200,
    );
    const token = signedIn.token;
    const sessionId = await createSession(token);
    const ws = await openSocket(sessionId, { key: token });
    ws.send({ type: "resume", after: 0 });

    const out = await call("/v1/auth/logout", { method: "POST", key: token });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/fleet_session=;/);
    const me = await call("/v1/me", { key: token });
    expect(me.status).toBe(401);
    expect(await me.json()).toMatchObject({
      error: { code: "unauthenticated", message: "You signed out; sign in again" },
    });
    expect((await call("/v1/me", { headers: { cookie: `fleet_session=${token}` } })).status).toBe(401);
    expect(await ws.waitForClose()).toBe(4401);
  });
});
