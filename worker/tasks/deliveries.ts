/**
 * Outbound task webhooks: when a task ends, one delivery per subscribed endpoint (and one to the task's own
 * `callbackUrl`), each logged in Neon and scheduled in the task object's queue; the object's alarm then attempts what
 * is due, with exponential backoff for up to 24 hours before a delivery is dead-lettered.
 */

import { and, eq } from "drizzle-orm";
import type { Task } from "../contracts/tasks";
import type { Db } from "../db/client";
import { activeSecrets, callbackEndpoint, subscribedEndpoints } from "../db/queries/webhooks";
import { repos } from "../db/repos";
import { webhookEndpoints } from "../db/schema";
import { classifyDelivery, generateSecret, nextDelivery } from "../webhooks";
import { sendWebhook } from "../webhooks/outbound";
import type { DeliveryQueue } from "./delivery-queue";

/** Deliveries attempted per alarm; the rest wait for the next one, so one alarm never runs for minutes. */
const BATCH = 20;

export type TaskEvent = "task.completed" | "task.failed" | "task.cancelled";

/** Logs and schedules the deliveries of a task's final event. */
export async function enqueueTaskDeliveries(
  env: Env,
  db: Db,
  queue: DeliveryQueue,
  task: Task,
  callbackUrl: string | null,
  tenantId: string,
): Promise<number> {
  const event: TaskEvent = `task.${task.status === "completed" ? "completed" : task.status === "cancelled" ? "cancelled" : "failed"}`;
  const targets: Array<{ endpointId: string; url: string }> = [];
  for (const endpoint of await subscribedEndpoints(db, tenantId, event)) {
    if (endpoint.url) targets.push({ endpointId: endpoint.id, url: endpoint.url });
  }
  if (callbackUrl) {
    const endpoint = await callbackEndpoint(db, env, tenantId, generateSecret);
    targets.push({ endpointId: endpoint.id, url: callbackUrl });
  }
  const now = Date.now();
  for (const target of targets) {
    const messageId = `msg_${crypto.randomUUID().replaceAll("-", "")}`;
    const payload = { type: event, timestamp: new Date(now).toISOString(), data: { task } };
    const row = await repos.webhookDeliveries.insert(db, tenantId, {
      endpointId: target.endpointId,
      direction: "outbound",
      messageId,
      event,
      payload,
      status: "pending",
      nextAttemptAt: new Date(now),
    });
    queue.add({
      id: row.id,
      tenantId,
      endpointId: target.endpointId,
      url: target.url,
      messageId,
      body: JSON.stringify(payload),
      nextAt: now,
    });
  }
  return targets.length;
}

/** Attempts every due delivery once; returns when the next one is due (null: none left). */
export async function runDueDeliveries(
  env: Env,
  db: Db,
  queue: DeliveryQueue,
  options: { now?: number; random?: () => number } = {},
): Promise<number | null> {
  const now = options.now ?? Date.now();
  for (const delivery of queue.due(now, BATCH)) {
    const endpoint = await repos.webhookEndpoints.get(db, delivery.tenantId, delivery.endpointId);
    if (!endpoint?.active) {
      queue.remove(delivery.id);
      await repos.webhookDeliveries.update(db, delivery.tenantId, delivery.id, {
        status: "dead",
        lastError: "the endpoint was deleted or disabled",
        nextAttemptAt: null,
      });
      continue;
    }
    const attempt = delivery.attempts + 1;
    const firstAttemptAt = delivery.firstAttemptAt ?? now;
    const result = await sendWebhook({
      url: delivery.url,
      messageId: delivery.messageId,
      body: delivery.body,
      secrets: await activeSecrets(env, endpoint, now),
      allowPrivate: env.ENVIRONMENT === "development",
      now,
    });
    const verdict = classifyDelivery(result.status, attempt);
    const log = { attempts: attempt, lastStatusCode: result.status, lastError: result.error };
    if (verdict === "delivered") {
      queue.remove(delivery.id);
      await repos.webhookDeliveries.update(db, delivery.tenantId, delivery.id, {
        ...log,
        status: "delivered",
        deliveredAt: new Date(),
        nextAttemptAt: null,
      });
      continue;
    }
    const next =
      verdict === "retry"
        ? nextDelivery({
            attempt,
            firstAttemptAt,
            now,
            retryAfter: result.retryAfter,
            random: options.random ?? Math.random,
          })
        : null;
    if (next?.action === "retry") {
      queue.reschedule(delivery.id, attempt, firstAttemptAt, next.at);
      await repos.webhookDeliveries.update(db, delivery.tenantId, delivery.id, {
        ...log,
        status: "failed",
        nextAttemptAt: new Date(next.at),
      });
      continue;
    }
    queue.remove(delivery.id);
    await repos.webhookDeliveries.update(db, delivery.tenantId, delivery.id, {
      ...log,
      status: "dead",
      nextAttemptAt: null,
    });
    // A 410 from a task's own callback URL says nothing about the tenant's other callbacks.
    if (verdict === "disable" && endpoint.url !== null) {
      await db
        .update(webhookEndpoints)
        .set({ active: false })
        .where(and(eq(webhookEndpoints.tenantId, delivery.tenantId), eq(webhookEndpoints.id, delivery.endpointId)));
    }
  }
  return queue.earliest();
}
