/**
 * The credential behind a principal, as a short string a WebSocket ticket and a socket attachment can carry, and the
 * check that it still holds. A socket outlives the request that opened it, so whatever can end a credential (a
 * revoked key, a sign-out, a removed member, a suspended tenant) must be checked again while it is open.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { apiKeys, memberships, revokedTokens, tenants } from "../db/schema";
import { AppError } from "../errors";
import { hasScope, type Scope, scopesForRole } from "./scopes";

/** What authenticated a request. `jti` is null only for sign-in tokens issued before tokens carried one. */
export type Credential =
  | { kind: "api_key"; id: string }
  | { kind: "session"; userId: string; jti: string | null }
  | { kind: "oidc"; userId: string };

/** The credential as text: `key:<id>`, `session:<user>:<jti>` or `oidc:<user>`. */
export function formatCredential(credential: Credential): string {
  switch (credential.kind) {
    case "api_key":
      return `key:${credential.id}`;
    case "session":
      return `session:${credential.userId}:${credential.jti ?? ""}`;
    case "oidc":
      return `oidc:${credential.userId}`;
  }
}

/** The inverse of {@link formatCredential}; null for anything else (e.g. a ticket from before tickets named one). */
export function parseCredential(text: string): Credential | null {
  const [kind, first, second] = text.split(":");
  if (!first) return null;
  if (kind === "key") return { kind: "api_key", id: first };
  if (kind === "session") return { kind: "session", userId: first, jti: second || null };
  if (kind === "oidc") return { kind: "oidc", userId: first };
  return null;
}

/** Whether a credential still holds, and with which scopes (a member's role may have changed since). */
export type Access =
  | { ok: true; scopes: Scope[] }
  | { ok: false; reason: "suspended" | "revoked" | "not_member"; message: string };

const refused = (reason: "suspended" | "revoked" | "not_member", message: string): Access => ({
  ok: false,
  reason,
  message,
});

/** Checks a credential of `tenantId` against the database as authentication would, without a token in hand. */
export async function checkAccess(db: Db, tenantId: string, credential: Credential, now = Date.now()): Promise<Access> {
  const [tenant] = await db.select({ status: tenants.status }).from(tenants).where(eq(tenants.id, tenantId)).limit(1);
  if (!tenant) return refused("revoked", "The workspace no longer exists");
  if (tenant.status !== "active") return refused("suspended", "This tenant is suspended");
  if (credential.kind === "api_key") {
    const [key] = await db
      .select({ scopes: apiKeys.scopes, expiresAt: apiKeys.expiresAt })
      .from(apiKeys)
      .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, credential.id), isNull(apiKeys.revokedAt)))
      .limit(1);
    if (!key) return refused("revoked", "The API key that opened this connection was revoked");
    if (key.expiresAt && key.expiresAt.getTime() <= now) return refused("revoked", "This API key has expired");
    return { ok: true, scopes: key.scopes as Scope[] };
  }
  if (credential.kind === "session" && credential.jti) {
    const [revoked] = await db
      .select({ jti: revokedTokens.jti })
      .from(revokedTokens)
      .where(eq(revokedTokens.jti, credential.jti))
      .limit(1);
    if (revoked) return refused("revoked", "You signed out; sign in again");
  }
  const [membership] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, credential.userId)))
    .limit(1);
  if (!membership) return refused("not_member", "You are no longer a member of this tenant");
  return { ok: true, scopes: scopesForRole(membership.role) };
}

/** Who holds a session socket: the tenant and user, and the scopes and credential the socket is held to. */
export interface SocketOwner {
  tenantId: string;
  userId: string | null;
  scopes: Scope[];
  /** {@link formatCredential}'s text. */
  credential: string;
}

/**
 * The owner of a socket opened with a consumed ticket, once its credential is checked again: a ticket issued before a
 * revocation or a suspension opens nothing, and the socket gets no scope its credential no longer has.
 */
export async function ticketOwner(
  db: Db,
  ticket: { tenantId: string; userId: string | null; scopes: string[]; credential: string },
): Promise<SocketOwner> {
  const credential = parseCredential(ticket.credential);
  if (!credential) throw new AppError("unauthenticated", "The ticket is from before this server's upgrade; ask again");
  const access = await checkAccess(db, ticket.tenantId, credential);
  if (!access.ok) {
    throw new AppError(access.reason === "suspended" ? "forbidden" : "unauthenticated", access.message);
  }
  const scopes = (ticket.scopes as Scope[]).filter((scope) => hasScope(access.scopes, scope));
  return { tenantId: ticket.tenantId, userId: ticket.userId, scopes, credential: ticket.credential };
}
