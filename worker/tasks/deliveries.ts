/**
 * Outbound task webhooks: when a task starts, progresses and ends, one delivery per subscribed endpoint (and, for
 * its end, one to the task's own `callbackUrl`), each logged in Neon and scheduled in the task object's queue; the
 * object's alarm then attempts what is due, with exponential backoff for up to 24 hours before a delivery is
 * dead-lettered.
 */

import { and, eq } from "drizzle-orm";
import type { Task } from "../contracts/tasks";
import type { TaskEvent } from "../contracts/webhooks";
import type { Db } from "../db/client";
import { activeSecrets, callbackEndpoint, subscribedEndpoints } from "../db/queries/webhooks";
import { repos } from "../db/repos";
import { webhookEndpoints } from "../db/schema";
import { classifyDelivery, generateSecret, nextDelivery, outboundResolver } from "../webhooks";
import { sendWebhook } from "../webhooks/outbound";
import type { DeliveryQueue } from "./delivery-queue";

/** Deliveries attempted per alarm; the rest wait for the next one, so one alarm never runs for minutes. */
const BATCH = 20;

/** How far a running task has got, as `task.progress` reports it. */
export interface TaskProgress {
  /** The last event of the task's log (`GET /v1/tasks/{id}/events` resumes after it). */
  lastEventSeq: number;
  /** REPL iterations and tool steps so far, at every depth. */
  steps: number;
  /** The latest budget gauge: used, remaining and limits; null before the first. */
  budget: Record<string, unknown> | null;
  elapsedMs: number;
}

/** The event a task's ending sends. */
export function endEvent(task: Task): TaskEvent {
  return task.status === "completed"
    ? "task.completed"
    : task.status === "cancelled"
      ? "task.cancelled"
      : "task.failed";
}

/** Logs and schedules one event's deliveries: to every subscribed endpoint, and to `callbackUrl` when given. */
export async function enqueueTaskEvent(
  env: Env,
  db: Db,
  queue: DeliveryQueue,
  input: {
    tenantId: string;
    event: TaskEvent;
    data: { task: Task; progress?: TaskProgress };
    callbackUrl: string | null;
  },
): Promise<number> {
  const { tenantId, event } = input;
  const targets: Array<{ endpointId: string; url: string }> = [];
  for (const endpoint of await subscribedEndpoints(db, tenantId, event)) {
    if (endpoint.url) targets.push({ endpointId: endpoint.id, url: endpoint.url });
  }
  if (input.callbackUrl) {
    const endpoint = await callbackEndpoint(db, env, tenantId, generateSecret);
    targets.push({ endpointId: endpoint.id, url: input.callbackUrl });
  }
  const now = Date.now();
  for (const target of targets) {
    const messageId = `msg_${crypto.randomUUID().replaceAll("-", "")}`;
    const payload = { type: event, timestamp: new Date(now).toISOString(), data: input.data };
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
      resolver: outboundResolver(env),
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
