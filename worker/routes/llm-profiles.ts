/**
 * Tenant LLM profiles: `POST/GET /v1/llm-profiles`, `GET/PATCH/DELETE /v1/llm-profiles/{id}` and
 * `POST /v1/llm-profiles/{id}/test`. Writes and the test call need `admin`; reading needs `sessions:read`. Keys are
 * write-only: sealed on the way in, never returned (a masked hint is).
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { requireAuth, requireScope } from "../auth/middleware";
import { sealSecret } from "../auth/secret-box";
import { errorResponses, IdParam } from "../contracts/common";
import {
  CreateLlmProfileRequest,
  LlmProfile,
  LlmProfileList,
  LlmProfileTestResult,
  TestLlmProfileRequest,
  UpdateLlmProfileRequest,
} from "../contracts/llm-profiles";
import {
  findLlmProfile,
  insertLlmProfile,
  type LlmProfileRow,
  listLlmProfiles,
  updateLlmProfile,
  violatedUniqueIndex,
} from "../db/queries/llm-profiles";
import { repos } from "../db/repos";
import { AppError } from "../errors";
import { checkLlmBaseUrl, maskApiKey, testLlmProfile } from "../llm/profiles";
import { serverEndpoint } from "../runs/resolve-llm";
import type { AppEnv } from "./app-env";
import { AUTHENTICATED, jsonBody, jsonResponse } from "./openapi";

const writer = [requireAuth(), requireScope("admin")];
const reader = [requireAuth(), requireScope("sessions:read")];

function toProfile(row: LlmProfileRow): LlmProfile {
  return {
    id: row.id,
    name: row.name,
    baseUrl: row.baseUrl,
    plannerModel: row.plannerModel,
    delegateModel: row.delegateModel,
    isDefault: row.isDefault,
    hasKey: row.apiKeyCiphertext !== null,
    keyHint: row.apiKeyCiphertext !== null ? row.apiKeyHint : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function notFound(id: string): AppError {
  return new AppError("not_found", "LLM profile not found", { details: { id } });
}

/** Refuses a base URL the Worker must not call with a tenant's key (SSRF), naming the field. */
async function assertAllowedBaseUrl(env: Env, baseUrl: string): Promise<string> {
  const check = await checkLlmBaseUrl(env, baseUrl);
  if (!check.ok) {
    throw new AppError("validation_failed", `The base URL is not allowed (${check.reason})`, {
      details: { issues: [{ field: "json.baseUrl", message: check.reason }] },
    });
  }
  return check.url.href.replace(/\/$/, "");
}

/** The sealed key and its hint; `null` removes both. */
async function keyColumns(env: Env, apiKey: string | null) {
  if (apiKey === null) return { apiKeyCiphertext: null, apiKeyHint: null };
  return { apiKeyCiphertext: await sealSecret(env, apiKey), apiKeyHint: maskApiKey(apiKey) };
}

/** Runs a write, turning unique-index violations into 409s that say which rule was broken. */
async function uniquely<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    const index = violatedUniqueIndex(err);
    if (index === "llm_profiles_tenant_name") {
      throw new AppError("conflict", "A profile with this name exists", {
        details: { issues: [{ field: "json.name", message: "already used by another profile" }] },
      });
    }
    if (index !== null) {
      throw new AppError("conflict", "Another profile became the default at the same time; try again");
    }
    throw err;
  }
}

export const llmProfileRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/llm-profiles",
      operationId: "createLlmProfile",
      tags: ["llm-profiles"],
      summary: "Add an LLM endpoint with its key (stored encrypted, never returned) and models",
      security: AUTHENTICATED,
      middleware: writer,
      request: { body: jsonBody(CreateLlmProfileRequest) },
      responses: { 201: jsonResponse(LlmProfile, "Created"), ...errorResponses(400, 401, 403, 409) },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const baseUrl = await assertAllowedBaseUrl(c.env, input.baseUrl);
      const row = await uniquely(async () =>
        insertLlmProfile(c.var.db, c.var.principal.tenantId, {
          name: input.name,
          baseUrl,
          plannerModel: input.plannerModel,
          delegateModel: input.delegateModel,
          isDefault: input.isDefault,
          ...(await keyColumns(c.env, input.apiKey ?? null)),
        }),
      );
      return c.json(toProfile(row), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/llm-profiles",
      operationId: "listLlmProfiles",
      tags: ["llm-profiles"],
      summary: "List LLM profiles, the default first (never their keys)",
      security: AUTHENTICATED,
      middleware: reader,
      responses: { 200: jsonResponse(LlmProfileList, "Profiles"), ...errorResponses(401, 403) },
    }),
    async (c) => {
      const rows = await listLlmProfiles(c.var.db, c.var.principal.tenantId);
      return c.json({ items: rows.map(toProfile), serverEndpoint: serverEndpoint(c.env) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/llm-profiles/{id}",
      operationId: "getLlmProfile",
      tags: ["llm-profiles"],
      summary: "An LLM profile",
      security: AUTHENTICATED,
      middleware: reader,
      request: { params: IdParam },
      responses: { 200: jsonResponse(LlmProfile, "The profile"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const row = await findLlmProfile(c.var.db, c.var.principal.tenantId, id);
      if (!row) throw notFound(id);
      return c.json(toProfile(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/v1/llm-profiles/{id}",
      operationId: "updateLlmProfile",
      tags: ["llm-profiles"],
      summary: "Change a profile: rename, new URL or models, replace or remove the key, make it the default",
      security: AUTHENTICATED,
      middleware: writer,
      request: { params: IdParam, body: jsonBody(UpdateLlmProfileRequest) },
      responses: { 200: jsonResponse(LlmProfile, "Updated"), ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const input = c.req.valid("json");
      const { tenantId } = c.var.principal;
      if (!(await findLlmProfile(c.var.db, tenantId, id))) throw notFound(id);
      const baseUrl = input.baseUrl === undefined ? undefined : await assertAllowedBaseUrl(c.env, input.baseUrl);
      const key = input.apiKey === undefined ? {} : await keyColumns(c.env, input.apiKey);
      const row = await uniquely(() =>
        updateLlmProfile(c.var.db, tenantId, id, {
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(baseUrl !== undefined ? { baseUrl } : {}),
          ...(input.plannerModel !== undefined ? { plannerModel: input.plannerModel } : {}),
          ...(input.delegateModel !== undefined ? { delegateModel: input.delegateModel } : {}),
          ...(input.isDefault !== undefined ? { isDefault: input.isDefault } : {}),
          ...key,
        }),
      );
      if (!row) throw notFound(id);
      return c.json(toProfile(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/llm-profiles/{id}",
      operationId: "deleteLlmProfile",
      tags: ["llm-profiles"],
      summary: "Delete a profile and its stored key; runs then use another default or the server's endpoint",
      security: AUTHENTICATED,
      middleware: writer,
      request: { params: IdParam },
      responses: { 204: { description: "Deleted" }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await repos.llmProfiles.remove(c.var.db, c.var.principal.tenantId, id))) throw notFound(id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/llm-profiles/{id}/test",
      operationId: "testLlmProfile",
      tags: ["llm-profiles"],
      summary: "Make one tiny real call through the profile: latency and model, or the exact error and what to check",
      security: AUTHENTICATED,
      middleware: writer,
      request: {
        params: IdParam,
        body: { required: false, content: { "application/json": { schema: TestLlmProfileRequest } } },
      },
      responses: {
        200: jsonResponse(
          LlmProfileTestResult,
          "The call's report; `ok: false` with `error` and `guidance` on failure",
        ),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      // Without a JSON body the validator hands over `{}` unparsed; parsing here applies the defaults.
      const options = TestLlmProfileRequest.parse(c.req.valid("json") ?? {});
      const row = await findLlmProfile(c.var.db, c.var.principal.tenantId, id);
      if (!row) throw notFound(id);
      return c.json(await testLlmProfile(c.env, row, options), 200);
    },
  );
