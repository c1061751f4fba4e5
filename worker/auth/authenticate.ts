/**
 * Turns a presented credential into a {@link Principal}: API keys (`frk_…`), our session tokens, or OIDC tokens.
 * Every refusal is a 401 (who are you?) or 403 (tenant suspended) with a message that says what to fix.
 */
import { and, eq } from "drizzle-orm";
import type { JWTVerifyGetKey } from "jose";
import type { Db } from "../db/client";
import { findApiKeyByHash, touchApiKey } from "../db/queries/api-keys";
import { ensureMember, getTenant, getTenantBySlug } from "../db/queries/identity";
import { memberships, revokedTokens } from "../db/schema";
import { AppError } from "../errors";
import { KEY_PREFIX, parseApiKey, sha256Hex } from "./api-key-format";
import type { Credential } from "./credential";
import { verifyOidcToken } from "./oidc";
import type { Principal } from "./principal";
import { type Scope, scopesForRole } from "./scopes";
import { verifySessionToken } from "./session-token";

/** What authentication needs; built from env by the middleware. */
export interface AuthDeps {
  db: Db;
  sessionSecret?: string;
  oidc?: { issuer: string; audience: string; keys: JWTVerifyGetKey; tenantClaim: string };
  /** Runs work after the response (e.g. `executionCtx.waitUntil`). */
  defer: (work: Promise<unknown>) => void;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

const unauthenticated = (message: string) => new AppError("unauthenticated", message);

/** Resolves a bearer token or session cookie value. */
export async function authenticateToken(token: string, deps: AuthDeps): Promise<Principal> {
  if (token.startsWith(KEY_PREFIX)) return authenticateApiKey(token, deps);
  if (!JWT_SHAPE.test(token)) {
    throw unauthenticated("Unrecognised credential: expected an API key (frk_…) or a sign-in token");
  }
  if (deps.sessionSecret) {
    const claims = await verifySessionToken(token, deps.sessionSecret);
    if (claims) {
      if (claims.jti && (await isRevoked(deps.db, claims.jti))) throw unauthenticated("You signed out; sign in again");
      return principalForMember(deps.db, claims.tenantId, claims.userId, {
        kind: "session",
        userId: claims.userId,
        jti: claims.jti,
      });
    }
  }
  if (deps.oidc) {
    const identity = await verifyOidcToken(token, deps.oidc);
    if (identity) {
      const tenant = await getTenantBySlug(deps.db, identity.tenantSlug);
      if (!tenant) throw new AppError("forbidden", "Your organisation has no fleet-rlm tenant yet");
      if (tenant.status !== "active") throw new AppError("forbidden", "This tenant is suspended");
      const { user } = await ensureMember(
        deps.db,
        tenant.id,
        { email: identity.email, name: identity.name, externalId: identity.subject },
        "member",
      );
      return principalForMember(deps.db, tenant.id, user.id, { kind: "oidc", userId: user.id });
    }
  }
  throw unauthenticated("Invalid or expired sign-in token");
}

async function authenticateApiKey(token: string, deps: AuthDeps): Promise<Principal> {
  const parsed = parseApiKey(token);
  if (!parsed) throw unauthenticated("Malformed API key: expected frk_<8 chars>_<40 chars>");
  const found = await findApiKeyByHash(deps.db, await sha256Hex(token));
  if (!found || found.key.prefix !== parsed.prefix) throw unauthenticated("Invalid or revoked API key");
  const { key, tenantStatus, plan } = found;
  if (key.expiresAt && key.expiresAt.getTime() <= Date.now()) throw unauthenticated("This API key has expired");
  if (tenantStatus !== "active") throw new AppError("forbidden", "This tenant is suspended");
  deps.defer(touchApiKey(deps.db, key.tenantId, key.id));
  return {
    tenantId: key.tenantId,
    userId: key.userId,
    via: "api_key",
    scopes: key.scopes as Scope[],
    role: null,
    apiKeyId: key.id,
    credential: { kind: "api_key", id: key.id },
    plan,
  };
}

async function isRevoked(db: Db, jti: string): Promise<boolean> {
  const [row] = await db.select({ jti: revokedTokens.jti }).from(revokedTokens).where(eq(revokedTokens.jti, jti));
  return row !== undefined;
}

async function principalForMember(
  db: Db,
  tenantId: string,
  userId: string,
  credential: Exclude<Credential, { kind: "api_key" }>,
): Promise<Principal> {
  const tenant = await getTenant(db, tenantId);
  if (!tenant) throw unauthenticated("Invalid or expired sign-in token");
  if (tenant.status !== "active") throw new AppError("forbidden", "This tenant is suspended");
  const [membership] = await db
    .select()
    .from(memberships)
    .where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId)))
    .limit(1);
  if (!membership) throw unauthenticated("You are no longer a member of this tenant");
  return {
    tenantId,
    userId,
    via: credential.kind,
    scopes: scopesForRole(membership.role),
    role: membership.role,
    credential,
    plan: tenant.plan,
  };
}
