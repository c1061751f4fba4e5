/**
 * Inbound webhooks: `POST /v1/hooks/{endpointId}`, authenticated by a Standard Webhooks signature instead of a key.
 * A verified, never-seen message becomes a task through the endpoint's mapping; a repeated message id starts nothing
 * and answers with the task the first delivery started, so a sender's retries are harmless.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { errorResponses } from "../contracts/common";
import { nulIssues } from "../contracts/nul";
import { CreateTaskRequest } from "../contracts/tasks";
import { HookAccepted, type InboundMapping } from "../contracts/webhooks";
import { activeSecrets } from "../db/queries/webhooks";
import { repos } from "../db/repos";
import { tenants, webhookDeliveries, webhookEndpoints } from "../db/schema";
import { AppError, isAppError } from "../errors";
import { countRequest } from "../quotas";
import { createTask } from "../tasks/create";
import { mapPayload, verify } from "../webhooks";
import type { AppEnv } from "./app-env";
import { jsonResponse, PUBLIC } from "./openapi";
import { refuseInvalid } from "./validation";

const EndpointParam = z.object({
  endpointId: z.uuid().openapi({ param: { name: "endpointId", in: "path" } }),
});

export const hookRoutes = new OpenAPIHono<AppEnv>().openapi(
  createRoute({
    method: "post",
    path: "/v1/hooks/{endpointId}",
    operationId: "receiveWebhook",
    tags: ["webhooks"],
    summary: "Receive a signed webhook (Standard Webhooks) and start the task its endpoint maps it to",
    security: PUBLIC,
    description:
      "Headers `webhook-id`, `webhook-timestamp` (within 5 minutes) and `webhook-signature` (`v1,<base64 HMAC-SHA256>`) are required.",
    request: {
      params: EndpointParam,
      body: { required: true, content: { "application/json": { schema: z.record(z.string(), z.unknown()) } } },
    },
    responses: {
      202: jsonResponse(HookAccepted, "Verified; the task started"),
      200: jsonResponse(HookAccepted, "A message id seen before: nothing new started"),
      ...errorResponses(400, 401, 404, 429),
    },
  }),
  async (c) => {
    const { endpointId } = c.req.valid("param");
    const body = await c.req.text();
    const [found] = await c.var.db
      .select({ endpoint: webhookEndpoints, plan: tenants.plan })
      .from(webhookEndpoints)
      .innerJoin(tenants, eq(tenants.id, webhookEndpoints.tenantId))
      .where(
        and(
          eq(webhookEndpoints.id, endpointId),
          eq(webhookEndpoints.direction, "inbound"),
          eq(tenants.status, "active"),
        ),
      )
      .limit(1);
    if (!found?.endpoint.active) throw new AppError("not_found", "No active inbound webhook endpoint has this id");
    const { endpoint, plan } = found;
    const tenantId = endpoint.tenantId;
    const verdict = await verify({
      headers: c.req.raw.headers,
      body,
      secrets: await activeSecrets(c.env, endpoint),
      now: Date.now(),
    });
    if (!verdict.ok) {
      throw new AppError("unauthenticated", `The webhook signature was not accepted (${verdict.reason})`, {
        details: { reason: verdict.reason },
      });
    }
    await countRequest(c.env, { tenantId, plan });

    // The unique (endpoint, message id) index makes the first delivery win; a replay finds its row.
    const [claimed] = await c.var.db
      .insert(webhookDeliveries)
      .values({
        tenantId,
        endpointId,
        direction: "inbound",
        messageId: verdict.id,
        event: "hook.received",
        payload: { taskId: null },
        status: "accepted",
        attempts: 1,
      })
      .onConflictDoNothing()
      .returning();
    if (!claimed) {
      const [seen] = await c.var.db
        .select()
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.messageId, verdict.id)));
      const taskId = (seen?.payload as { taskId?: string | null } | undefined)?.taskId ?? null;
      return c.json({ taskId, duplicate: true }, 200);
    }
    const reject = async (message: string, issues: Array<{ field: string; message: string }>) => {
      await repos.webhookDeliveries.update(c.var.db, tenantId, claimed.id, { status: "rejected", lastError: message });
      return new AppError("validation_failed", message, { details: { issues } });
    };
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      throw await reject("The payload is not JSON", [{ field: "body", message: "not JSON" }]);
    }
    const mapping = endpoint.mapping as InboundMapping;
    const mapped = mapPayload(mapping.template, payload);
    if (!mapped.ok) {
      const detail =
        mapped.reason === "missing_pointer" ? `${mapped.field}: ${mapped.pointer} not found` : "the query is empty";
      throw await reject(`The payload does not fit the endpoint's mapping (${detail})`, [
        { field: mapped.reason === "missing_pointer" ? `body${mapped.pointer}` : "body", message: detail },
      ]);
    }
    const nul = nulIssues(mapped.task, "task");
    if (nul.length > 0) throw await reject("The mapped task contains a NUL character", nul);
    const request = CreateTaskRequest.safeParse({
      ...mapped.task,
      mode: mapping.mode,
      budget: mapping.budget,
      models: mapping.models,
    });
    if (!request.success) {
      throw await reject(
        "The mapped task is not valid",
        request.error.issues.map((i) => ({ field: `task.${i.path.join(".")}`, message: i.message })),
      );
    }
    let task: Awaited<ReturnType<typeof createTask>>["task"];
    try {
      const origin = { source: "webhook" as const, endpointId };
      ({ task } = await createTask(
        { env: c.env, db: c.var.db, principal: { tenantId, plan } },
        request.data,
        origin,
        "task",
      ));
    } catch (err) {
      // A refusal of the content is final; anything else (quota, outage) frees the message id for the sender's retry.
      if (isAppError(err) && err.code === "validation_failed") {
        await repos.webhookDeliveries.update(c.var.db, tenantId, claimed.id, {
          status: "rejected",
          lastError: err.message,
        });
      } else {
        await repos.webhookDeliveries.remove(c.var.db, tenantId, claimed.id);
      }
      throw err;
    }
    await repos.webhookDeliveries.update(c.var.db, tenantId, claimed.id, { payload: { taskId: task.id } });
    return c.json({ taskId: task.id, duplicate: false }, 202);
  },
  // A NUL in a payload field the mapping does not use is harmless; the mapped task is checked above.
  (result) => refuseInvalid(result),
);
