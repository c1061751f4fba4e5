/**
 * Webhook endpoints and their delivery log (admin scope): create (secret shown once, revealable later by an admin),
 * list, read, rotate the secret with an overlap window, delete, list deliveries, redeliver.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { desc, eq } from "drizzle-orm";
import { requireAuth, requireScope } from "../auth/middleware";
import { openSecret, sealSecret } from "../auth/secret-box";
import { errorResponses, IdParam } from "../contracts/common";
import {
  CreatedWebhookEndpoint,
  CreateWebhookEndpointRequest,
  type InboundMapping,
  RotateSecretRequest,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookSecret,
} from "../contracts/webhooks";
import { type DeliveryRow, type EndpointRow, listDeliveries } from "../db/queries/webhooks";
import { repos } from "../db/repos";
import { webhookEndpoints } from "../db/schema";
import { getTaskStub } from "../durable/task-stub";
import { AppError } from "../errors";
import { checkOutboundUrl, checkResolvedUrl, generateSecret, outboundResolver } from "../webhooks";
import type { AppEnv } from "./app-env";
import { AUTHENTICATED, jsonBody, jsonResponse } from "./openapi";

const guard = [requireAuth(), requireScope("admin")];
export function toEndpoint(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    direction: row.direction,
    name: row.name,
    url: row.url,
    hookUrl: row.direction === "inbound" ? `/v1/hooks/${row.id}` : null,
    events: row.events,
    mapping: (row.mapping as InboundMapping | null) ?? null,
    active: row.active,
    previousSecretExpiresAt:
      row.previousSecretExpiresAt && row.previousSecretExpiresAt.getTime() > Date.now()
        ? row.previousSecretExpiresAt.toISOString()
        : null,
    createdAt: row.createdAt.toISOString(),
  };
}

export function toDelivery(row: DeliveryRow): WebhookDelivery {
  const payload = row.payload as { data?: { task?: { id?: string } }; taskId?: string } | null;
  return {
    id: row.id,
    endpointId: row.endpointId,
    direction: row.direction,
    messageId: row.messageId,
    event: row.event,
    status: row.status,
    attempts: row.attempts,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    nextAttemptAt: row.nextAttemptAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    taskId: payload?.data?.task?.id ?? payload?.taskId ?? null,
  };
}

function notFound(id: string): AppError {
  return new AppError("not_found", "Webhook endpoint not found", { details: { id } });
}

export const webhookRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/webhooks/endpoints",
      operationId: "createWebhookEndpoint",
      tags: ["webhooks"],
      summary: "Create an inbound (starts tasks) or outbound (receives results) endpoint; the secret is shown here",
      security: AUTHENTICATED,
      middleware: guard,
      request: { body: jsonBody(CreateWebhookEndpointRequest) },
      responses: { 201: jsonResponse(CreatedWebhookEndpoint, "Created"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const { tenantId } = c.var.principal;
      if (input.direction === "outbound") {
        const options = { allowPrivate: c.env.ENVIRONMENT === "development" };
        const check = await checkResolvedUrl(checkOutboundUrl(input.url, options), options, outboundResolver(c.env));
        if (!check.ok) {
          throw new AppError("validation_failed", `The URL is not allowed (${check.reason})`, {
            details: { issues: [{ field: "json.url", message: check.reason }] },
          });
        }
      }
      const secret = generateSecret();
      const row = await repos.webhookEndpoints.insert(c.var.db, tenantId, {
        direction: input.direction,
        name: input.name,
        url: input.direction === "outbound" ? input.url : null,
        events: input.direction === "outbound" ? [...new Set(input.events)] : [],
        mapping: input.direction === "inbound" ? input.mapping : null,
        secretCiphertext: await sealSecret(c.env, secret),
      });
      return c.json({ endpoint: toEndpoint(row), secret }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/webhooks/endpoints",
      operationId: "listWebhookEndpoints",
      tags: ["webhooks"],
      summary: "List webhook endpoints",
      security: AUTHENTICATED,
      middleware: guard,
      responses: {
        200: jsonResponse(
          z.object({ endpoints: z.array(WebhookEndpoint) }).openapi("WebhookEndpointList"),
          "Endpoints",
        ),
        ...errorResponses(401, 403),
      },
    }),
    async (c) => {
      const rows = await c.var.db
        .select()
        .from(webhookEndpoints)
        .where(eq(webhookEndpoints.tenantId, c.var.principal.tenantId))
        .orderBy(desc(webhookEndpoints.createdAt));
      return c.json({ endpoints: rows.map(toEndpoint) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/webhooks/endpoints/{id}",
      operationId: "getWebhookEndpoint",
      tags: ["webhooks"],
      summary: "A webhook endpoint",
      security: AUTHENTICATED,
      middleware: guard,
      request: { params: IdParam },
      responses: { 200: jsonResponse(WebhookEndpoint, "The endpoint"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const row = await repos.webhookEndpoints.get(c.var.db, c.var.principal.tenantId, id);
      if (!row) throw notFound(id);
      return c.json(toEndpoint(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/webhooks/endpoints/{id}/secret",
      operationId: "getWebhookEndpointSecret",
      tags: ["webhooks"],
      summary: "Reveal an endpoint's current signing secret (admins only)",
      security: AUTHENTICATED,
      middleware: guard,
      request: { params: IdParam },
      responses: { 200: jsonResponse(WebhookSecret, "The secret"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const row = await repos.webhookEndpoints.get(c.var.db, c.var.principal.tenantId, id);
      if (!row) throw notFound(id);
      return c.json({ secret: await openSecret(c.env, row.secretCiphertext) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/webhooks/endpoints/{id}/rotate",
      operationId: "rotateWebhookEndpointSecret",
      tags: ["webhooks"],
      summary: "Rotate the signing secret; the old one stays valid for the overlap window",
      security: AUTHENTICATED,
      middleware: guard,
      request: { params: IdParam, body: jsonBody(RotateSecretRequest) },
      responses: {
        200: jsonResponse(CreatedWebhookEndpoint, "The new secret and the endpoint"),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { overlapSeconds } = c.req.valid("json");
      const { tenantId } = c.var.principal;
      const row = await repos.webhookEndpoints.get(c.var.db, tenantId, id);
      if (!row) throw notFound(id);
      const secret = generateSecret();
      const updated = await repos.webhookEndpoints.update(c.var.db, tenantId, id, {
        secretCiphertext: await sealSecret(c.env, secret),
        previousSecretCiphertext: overlapSeconds > 0 ? row.secretCiphertext : null,
        previousSecretExpiresAt: overlapSeconds > 0 ? new Date(Date.now() + overlapSeconds * 1000) : null,
      });
      if (!updated) throw notFound(id);
      return c.json({ endpoint: toEndpoint(updated), secret }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/webhooks/endpoints/{id}",
      operationId: "deleteWebhookEndpoint",
      tags: ["webhooks"],
      summary: "Delete an endpoint; its pending deliveries are dropped",
      security: AUTHENTICATED,
      middleware: guard,
      request: { params: IdParam },
      responses: { 204: { description: "Deleted" }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await repos.webhookEndpoints.remove(c.var.db, c.var.principal.tenantId, id))) throw notFound(id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/webhooks/endpoints/{id}/deliveries",
      operationId: "listWebhookDeliveries",
      tags: ["webhooks"],
      summary: "An endpoint's delivery log, newest first",
      security: AUTHENTICATED,
      middleware: guard,
      request: {
        params: IdParam,
        query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
      },
      responses: {
        200: jsonResponse(
          z.object({ deliveries: z.array(WebhookDelivery) }).openapi("WebhookDeliveryList"),
          "Deliveries",
        ),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { limit } = c.req.valid("query");
      const { tenantId } = c.var.principal;
      if (!(await repos.webhookEndpoints.get(c.var.db, tenantId, id))) throw notFound(id);
      const rows = await listDeliveries(c.var.db, tenantId, id, limit);
      return c.json({ deliveries: rows.map(toDelivery) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/webhooks/deliveries/{id}/redeliver",
      operationId: "redeliverWebhookDelivery",
      tags: ["webhooks"],
      summary: "Send an outbound delivery again now (also revives a dead-lettered one)",
      security: AUTHENTICATED,
      middleware: guard,
      request: { params: IdParam },
      responses: { 202: jsonResponse(WebhookDelivery, "Scheduled"), ...errorResponses(401, 403, 404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { tenantId } = c.var.principal;
      const row = await repos.webhookDeliveries.get(c.var.db, tenantId, id);
      if (!row) throw new AppError("not_found", "Delivery not found", { details: { id } });
      const delivery = toDelivery(row);
      const endpoint = await repos.webhookEndpoints.get(c.var.db, tenantId, row.endpointId);
      const payload = row.payload as { data?: { task?: { callbackUrl?: string | null } } };
      const url = endpoint?.url ?? payload.data?.task?.callbackUrl ?? null;
      if (row.direction !== "outbound" || !delivery.taskId || !endpoint?.active || !url) {
        throw new AppError("conflict", "Only outbound deliveries to an active endpoint can be sent again");
      }
      await getTaskStub(c.env, delivery.taskId).redeliver({
        id: row.id,
        tenantId,
        endpointId: row.endpointId,
        url,
        messageId: row.messageId,
        body: JSON.stringify(row.payload),
      });
      const updated = await repos.webhookDeliveries.update(c.var.db, tenantId, id, {
        status: "pending",
        nextAttemptAt: new Date(),
      });
      return c.json(toDelivery(updated ?? row), 202);
    },
  );
