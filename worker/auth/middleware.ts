/** Hono middleware for authentication and scope checks. */
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { AppError } from "../errors";
import { countRequest } from "../quotas";
import type { AppEnv } from "../routes/app-env";
import { authenticateToken } from "./authenticate";
import { remoteKeys } from "./oidc";
import { hasScope, type Scope } from "./scopes";
import { SESSION_COOKIE } from "./session-token";

/** Requires a valid credential (bearer header or session cookie) and sets `c.var.principal`. */
export function requireAuth() {
  return createMiddleware<AppEnv>(async function requireAuth(c, next) {
    const header = c.req.header("authorization");
    let token: string | undefined;
    if (header !== undefined) {
      const match = /^Bearer ([^\s]+)$/.exec(header.trim());
      if (!match?.[1]) {
        throw new AppError("unauthenticated", "Malformed Authorization header: expected 'Bearer <token>'");
      }
      token = match[1];
    } else {
      token = getCookie(c, SESSION_COOKIE);
    }
    if (!token) {
      throw new AppError("unauthenticated", "Missing credentials: send 'Authorization: Bearer <API key>' or sign in");
    }
    const env = c.env;
    const principal = await authenticateToken(token, {
      db: c.var.db,
      sessionSecret: env.SESSION_SECRET,
      oidc:
        env.OIDC_ISSUER && env.OIDC_AUDIENCE && env.OIDC_JWKS_URL
          ? {
              issuer: env.OIDC_ISSUER,
              audience: env.OIDC_AUDIENCE,
              keys: remoteKeys(env.OIDC_JWKS_URL),
              tenantClaim: env.OIDC_TENANT_CLAIM ?? "tenant",
            }
          : undefined,
      defer: (work) => c.executionCtx.waitUntil(work),
    });
    c.set("principal", principal);
    await countRequest(env, principal);
    await next();
  });
}

/** Requires the authenticated principal to hold `scope` (403 otherwise). */
export function requireScope(scope: Scope) {
  return createMiddleware<AppEnv>(async function requireScope(c, next) {
    if (!hasScope(c.var.principal.scopes, scope)) {
      throw new AppError("forbidden", `This credential lacks the '${scope}' scope`, { details: { scope } });
    }
    await next();
  });
}
