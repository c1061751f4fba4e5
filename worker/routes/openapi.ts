/** Small helpers for declaring OpenAPI routes with less repetition, and the document's security schemes. */
import type { OpenAPIHono, z } from "@hono/zod-openapi";
import { SESSION_COOKIE } from "../auth/session-token";

/** A required JSON request body. */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return { required: true, content: { "application/json": { schema } } };
}

/** A JSON response. */
export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

/** One alternative of a route's `security`: scheme name → scopes (none of ours use OAuth scopes). */
type SecurityRequirement = Record<string, string[]>;

/** `security` of a route that needs a credential: a bearer (API key or sign-in token), or the browser's cookie. */
export const AUTHENTICATED: SecurityRequirement[] = [{ bearer: [] }, { sessionCookie: [] }];

/** `security` of a public route. Said explicitly (`[]`) so a generator never assumes a credential is needed. */
export const PUBLIC: [] = [];

/** `security` of a route that takes a credential when one is sent and works without (sign-out). */
export const OPTIONALLY_AUTHENTICATED: SecurityRequirement[] = [...AUTHENTICATED, {}];

/** Registers the schemes the routes' `security` names. */
export function registerSecuritySchemes(registry: OpenAPIHono["openAPIRegistry"]): void {
  registry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "An API key (frk_…) or a sign-in token",
  });
  registry.registerComponent("securitySchemes", "sessionCookie", {
    type: "apiKey",
    in: "cookie",
    name: SESSION_COOKIE,
    description: "The browser's sign-in cookie (set by sign-in)",
  });
  registry.registerComponent("securitySchemes", "wsTicket", {
    type: "apiKey",
    in: "query",
    name: "ticket",
    description: "A single-use ticket from `POST /v1/ws-tickets`, for opening a session's WebSocket only",
  });
}
