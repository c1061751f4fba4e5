/** `POST/GET/DELETE /v1/api-keys`: create (secret shown once), list, revoke. Requires the `admin` scope. */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { isNull } from "drizzle-orm";
import { mintApiKey } from "../auth/api-key-format";
import { requireAuth, requireScope } from "../auth/middleware";
import type { Scope } from "../auth/scopes";
import { ApiKey, ApiKeyList, CreateApiKeyRequest, CreatedApiKey } from "../contracts/auth";
import { errorResponses, IdParam } from "../contracts/common";
import type { ApiKeyRow } from "../db/queries/api-keys";
import { repos } from "../db/repos";
import { apiKeys } from "../db/schema";
import { AppError } from "../errors";
import type { AppEnv } from "./app-env";
import { AUTHENTICATED, jsonBody, jsonResponse } from "./openapi";

const guard = [requireAuth(), requireScope("admin")];
export const apiKeyRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/api-keys",
      operationId: "createApiKey",
      tags: ["api-keys"],
      summary: "Create an API key; the secret is in this response only",
      security: AUTHENTICATED,
      middleware: guard,
      request: { body: jsonBody(CreateApiKeyRequest) },
      responses: { 201: jsonResponse(CreatedApiKey, "Created"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const { tenantId, userId } = c.var.principal;
      const minted = await mintApiKey();
      const row = await repos.apiKeys.insert(c.var.db, tenantId, {
        userId,
        name: input.name,
        prefix: minted.prefix,
        hash: minted.hash,
        scopes: [...new Set(input.scopes)],
        expiresAt: input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null,
      });
      return c.json({ ...toApiKey(row), secret: minted.secret }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/api-keys",
      operationId: "listApiKeys",
      tags: ["api-keys"],
      summary: "List live API keys (never their secrets)",
      security: AUTHENTICATED,
      middleware: guard,
      responses: { 200: jsonResponse(ApiKeyList, "Keys"), ...errorResponses(401, 403) },
    }),
    async (c) => {
      const rows = await repos.apiKeys.list(c.var.db, c.var.principal.tenantId, { where: isNull(apiKeys.revokedAt) });
      return c.json({ items: rows.map(toApiKey) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/api-keys/{id}",
      operationId: "revokeApiKey",
      tags: ["api-keys"],
      summary: "Revoke an API key; it stops working at once",
      security: AUTHENTICATED,
      middleware: guard,
      request: { params: IdParam },
      responses: { 200: jsonResponse(ApiKey, "Revoked"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { tenantId } = c.var.principal;
      const existing = await repos.apiKeys.get(c.var.db, tenantId, id);
      if (!existing || existing.revokedAt) throw new AppError("not_found", "API key not found", { details: { id } });
      const row = await repos.apiKeys.update(c.var.db, tenantId, id, { revokedAt: new Date() });
      if (!row) throw new AppError("not_found", "API key not found", { details: { id } });
      return c.json(toApiKey(row), 200);
    },
  );

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes as Scope[],
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}
