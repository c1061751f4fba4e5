/** The workspace's sandbox network setting: read by any member, changed by admins; it applies to new sandboxes. */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { requireAuth, requireScope } from "../auth/middleware";
import { errorResponses } from "../contracts/common";
import { SandboxSettings } from "../contracts/sandbox-settings";
import { tenants } from "../db/schema";
import type { AppEnv } from "./app-env";
import { AUTHENTICATED, jsonBody, jsonResponse } from "./openapi";

export const sandboxSettingsRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/settings/sandbox",
      operationId: "getSandboxSettings",
      tags: ["settings"],
      summary: "The hosts sandbox code may reach (none by default)",
      security: AUTHENTICATED,
      middleware: [requireAuth(), requireScope("sessions:read")],
      responses: { 200: jsonResponse(SandboxSettings, "The setting"), ...errorResponses(401, 403) },
    }),
    async (c) => {
      const [row] = await c.var.db
        .select({ egressHosts: tenants.sandboxEgressHosts })
        .from(tenants)
        .where(eq(tenants.id, c.var.principal.tenantId));
      return c.json({ egressHosts: row?.egressHosts ?? [] }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/v1/settings/sandbox",
      operationId: "updateSandboxSettings",
      tags: ["settings"],
      summary: "Allow sandbox code to reach these hosts (admins); applies to sandboxes created from now on",
      security: AUTHENTICATED,
      middleware: [requireAuth(), requireScope("admin")],
      request: { body: jsonBody(SandboxSettings) },
      responses: { 200: jsonResponse(SandboxSettings, "The new setting"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const egressHosts = [...new Set(c.req.valid("json").egressHosts)].sort();
      await c.var.db
        .update(tenants)
        .set({ sandboxEgressHosts: egressHosts })
        .where(eq(tenants.id, c.var.principal.tenantId));
      return c.json({ egressHosts }, 200);
    },
  );
