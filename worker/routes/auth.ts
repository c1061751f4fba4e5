/** Sign-in (dev login locally), identity, sign-out and WebSocket tickets. */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { formatCredential } from "../auth/credential";
import { requireAuth, requireScope } from "../auth/middleware";
import type { Principal } from "../auth/principal";
import { scopesForRole } from "../auth/scopes";
import { SESSION_COOKIE, SESSION_TTL_SECONDS, signSessionToken, verifySessionToken } from "../auth/session-token";
import { DevLoginRequest, type Me, Me as MeSchema, SignedIn, WsTicket, WsTicketRequest } from "../contracts/auth";
import { errorResponses } from "../contracts/common";
import { ensureMember, ensureTenant, identityNames } from "../db/queries/identity";
import { revokeSessionToken } from "../db/queries/revoked-tokens";
import { issueWsTicket } from "../db/queries/ws-tickets";
import { repos } from "../db/repos";
import { AppError } from "../errors";
import type { AppEnv } from "./app-env";
import { AUTHENTICATED, jsonBody, jsonResponse, OPTIONALLY_AUTHENTICATED, PUBLIC } from "./openapi";

/** True only when explicitly configured: dev login and the demo model exist nowhere else. */
export function isDevelopment(env: Pick<Env, "ENVIRONMENT">): boolean {
  return env.ENVIRONMENT === "development";
}

export const authRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/auth/dev-login",
      operationId: "signInDev",
      tags: ["auth"],
      summary: "Sign in without an identity provider (local development only)",
      security: PUBLIC,
      request: { body: jsonBody(DevLoginRequest) },
      responses: {
        200: jsonResponse(SignedIn, "Signed in; also sets the session cookie"),
        ...errorResponses(400, 403),
      },
    }),
    async (c) => {
      if (!isDevelopment(c.env)) {
        throw new AppError("forbidden", "Dev login is disabled in production; sign in with your identity provider");
      }
      const secret = c.env.SESSION_SECRET;
      if (!secret) throw new AppError("unavailable", "SESSION_SECRET is not set");
      const input = c.req.valid("json");
      const tenant = await ensureTenant(c.var.db, input.tenant, input.tenant);
      const { user, role } = await ensureMember(c.var.db, tenant.id, { email: input.email, name: input.name }, "owner");
      const token = await signSessionToken({ tenantId: tenant.id, userId: user.id }, secret);
      const verified = await verifySessionToken(token, secret);
      setCookie(c, SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: "Lax",
        path: "/",
        maxAge: SESSION_TTL_SECONDS,
        secure: new URL(c.req.url).protocol === "https:",
      });
      const me = toMe(
        {
          tenantId: tenant.id,
          userId: user.id,
          via: "session",
          role,
          scopes: scopesForRole(role),
          credential: { kind: "session", userId: user.id, jti: verified?.jti ?? null },
          plan: tenant.plan,
        },
        { tenant: { slug: tenant.slug, name: tenant.name }, user: { email: user.email, name: user.name } },
      );
      const expiresAt = new Date(Date.now() + SESSION_TTL_SECONDS * 1000).toISOString();
      return c.json({ token, expiresAt, me }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/auth/logout",
      operationId: "signOut",
      tags: ["auth"],
      summary: "Sign out: the sign-in token (cookie or bearer) stops working everywhere, and its sockets close",
      security: OPTIONALLY_AUTHENTICATED,
      responses: { 204: { description: "Signed out" } },
    }),
    async (c) => {
      const bearer = /^Bearer ([^\s]+)$/.exec(c.req.header("authorization")?.trim() ?? "")?.[1];
      const token = bearer ?? getCookie(c, SESSION_COOKIE);
      const claims = token && c.env.SESSION_SECRET ? await verifySessionToken(token, c.env.SESSION_SECRET) : null;
      // Revoked server-side, not only forgotten by this browser: a copied cookie or an open socket ends too.
      if (claims?.jti) await revokeSessionToken(c.var.db, { ...claims, jti: claims.jti });
      deleteCookie(c, SESSION_COOKIE, { path: "/" });
      return c.body(null, 204);
    },
  );

/** Routes that need a signed-in principal. */
export const identityRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/me",
      operationId: "getMe",
      tags: ["auth"],
      summary: "Who the credential belongs to",
      security: AUTHENTICATED,
      middleware: [requireAuth()],
      responses: { 200: jsonResponse(MeSchema, "The caller"), ...errorResponses(401) },
    }),
    async (c) => {
      const { tenantId, userId } = c.var.principal;
      return c.json(toMe(c.var.principal, await identityNames(c.var.db, tenantId, userId)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/ws-tickets",
      operationId: "createWsTicket",
      tags: ["auth"],
      summary: "A single-use, 60-second ticket for opening a session's WebSocket",
      security: AUTHENTICATED,
      middleware: [requireAuth(), requireScope("sessions:read")],
      request: { body: jsonBody(WsTicketRequest) },
      responses: { 201: jsonResponse(WsTicket, "Ticket issued"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { sessionId } = c.req.valid("json");
      const { tenantId, userId, scopes, credential } = c.var.principal;
      const session = await repos.sessions.get(c.var.db, tenantId, sessionId);
      if (!session) throw new AppError("not_found", "Session not found", { details: { id: sessionId } });
      // The socket is held to the scopes and the life of the credential that asked for it.
      const { ticket, expiresAt } = await issueWsTicket(c.var.db, {
        tenantId,
        userId,
        sessionId,
        scopes,
        credential: formatCredential(credential),
      });
      return c.json({ ticket, expiresAt: expiresAt.toISOString() }, 201);
    },
  );

function toMe(principal: Principal, names: Pick<Me, "tenant" | "user">): Me {
  const { tenantId, userId, via, role, scopes, plan } = principal;
  return { tenantId, userId, via, role, scopes, plan, ...names };
}
