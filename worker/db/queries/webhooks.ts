/** Webhook endpoints and their delivery log: secrets sealed at rest, the rotation overlap, tenant-scoped. */
import { and, arrayContains, desc, eq, isNull, or } from "drizzle-orm";
import { openSecret, sealSecret } from "../../auth/secret-box";
import type { Db } from "../client";
import { webhookDeliveries, webhookEndpoints } from "../schema";

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
type SecretEnv = Parameters<typeof sealSecret>[0];

/** The name of the outbound endpoint that signs deliveries to tasks' own `callbackUrl`s. */
export const CALLBACK_ENDPOINT_NAME = "task-callbacks";

/** The secrets that verify (inbound) or sign (outbound) right now: the current one, and a rotated-out one in overlap. */
export async function activeSecrets(env: SecretEnv, endpoint: EndpointRow, now = Date.now()): Promise<string[]> {
  const secrets = [await openSecret(env, endpoint.secretCiphertext)];
  if (
    endpoint.previousSecretCiphertext &&
    endpoint.previousSecretExpiresAt &&
    endpoint.previousSecretExpiresAt.getTime() > now
  ) {
    secrets.push(await openSecret(env, endpoint.previousSecretCiphertext));
  }
  return secrets;
}

/** The tenant's callback-signing endpoint, created on first use. */
export async function callbackEndpoint(
  db: Db,
  env: SecretEnv,
  tenantId: string,
  generateSecret: () => string,
): Promise<EndpointRow> {
  const where = and(
    eq(webhookEndpoints.tenantId, tenantId),
    eq(webhookEndpoints.direction, "outbound"),
    eq(webhookEndpoints.name, CALLBACK_ENDPOINT_NAME),
    isNull(webhookEndpoints.url),
  );
  const [existing] = await db.select().from(webhookEndpoints).where(where).limit(1);
  if (existing) return existing;
  const [created] = await db
    .insert(webhookEndpoints)
    .values({
      tenantId,
      direction: "outbound",
      name: CALLBACK_ENDPOINT_NAME,
      url: null,
      secretCiphertext: await sealSecret(env, generateSecret()),
      events: ["task.completed", "task.failed", "task.cancelled"],
    })
    .returning();
  return created as EndpointRow;
}

/** Active outbound endpoints (with a URL) subscribed to `event` or to everything (`*`). */
export async function subscribedEndpoints(db: Db, tenantId: string, event: string): Promise<EndpointRow[]> {
  return db
    .select()
    .from(webhookEndpoints)
    .where(
      and(
        eq(webhookEndpoints.tenantId, tenantId),
        eq(webhookEndpoints.direction, "outbound"),
        eq(webhookEndpoints.active, true),
        or(arrayContains(webhookEndpoints.events, [event]), arrayContains(webhookEndpoints.events, ["*"])),
      ),
    );
}

export async function listDeliveries(
  db: Db,
  tenantId: string,
  endpointId: string,
  limit: number,
): Promise<DeliveryRow[]> {
  return db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.tenantId, tenantId), eq(webhookDeliveries.endpointId, endpointId)))
    .orderBy(desc(webhookDeliveries.createdAt))
    .limit(limit);
}
