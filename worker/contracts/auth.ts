/** Sign-in, identity and API-key schemas. */
import { z } from "@hono/zod-openapi";
import { Scope } from "../auth/scopes";
import { TENANT_SLUG, TENANT_SLUG_RULE } from "./constants";

export const DevLoginRequest = z
  .object({
    email: z.email().openapi({ example: "ada@example.com" }),
    name: z.string().min(1).max(200).optional(),
    tenant: z
      .string()
      .regex(TENANT_SLUG, TENANT_SLUG_RULE)
      .default("dev")
      .openapi({ description: "Tenant slug; created on first use (local development only)" }),
  })
  .openapi("DevLoginRequest");
export type DevLoginRequest = z.infer<typeof DevLoginRequest>;

export const Me = z
  .object({
    tenantId: z.string(),
    userId: z.string().nullable(),
    via: z.enum(["api_key", "session", "oidc"]),
    role: z.enum(["owner", "admin", "member", "viewer"]).nullable(),
    scopes: z.array(Scope),
    plan: z.enum(["free", "team", "enterprise"]),
    tenant: z.object({ slug: z.string(), name: z.string() }).openapi({ description: "The workspace" }),
    user: z
      .object({ email: z.string(), name: z.string().nullable() })
      .nullable()
      .openapi({ description: "Null for an API key tied to no user" }),
  })
  .openapi("Me");
export type Me = z.infer<typeof Me>;

export const SignedIn = z.object({ token: z.string(), expiresAt: z.iso.datetime(), me: Me }).openapi("SignedIn");
export type SignedIn = z.infer<typeof SignedIn>;

export const CreateApiKeyRequest = z
  .object({
    name: z.string().trim().min(1).max(100).openapi({ example: "CI pipeline" }),
    scopes: z.array(Scope).min(1).default(["sessions:write", "tasks:write", "documents:write"]),
    expiresInDays: z.number().int().positive().max(3650).optional(),
  })
  .openapi("CreateApiKeyRequest");
export type CreateApiKeyRequest = z.infer<typeof CreateApiKeyRequest>;

export const ApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().openapi({ example: "frk_a1B2c3D4" }),
    scopes: z.array(Scope),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable(),
    expiresAt: z.iso.datetime().nullable(),
    revokedAt: z.iso.datetime().nullable(),
  })
  .openapi("ApiKey");
export type ApiKey = z.infer<typeof ApiKey>;

export const CreatedApiKey = ApiKey.extend({
  secret: z.string().openapi({ description: "The whole key. Shown once; store it now." }),
}).openapi("CreatedApiKey");
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;

export const ApiKeyList = z.object({ items: z.array(ApiKey) }).openapi("ApiKeyList");

export const WsTicketRequest = z.object({ sessionId: z.uuid() }).openapi("WsTicketRequest");
export const WsTicket = z
  .object({ ticket: z.string(), expiresAt: z.iso.datetime() })
  .openapi("WsTicket", { description: "Single-use; valid for 60 seconds" });
