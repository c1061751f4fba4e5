/** API-key rows: created and revoked within a tenant, looked up by hash for authentication. */
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../client";
import { apiKeys, tenants } from "../schema";

type Plan = (typeof tenants.$inferSelect)["plan"];

export type ApiKeyRow = typeof apiKeys.$inferSelect;

/**
 * Finds the live key with this hash, with its tenant's status. Authentication is the one place that looks a row up
 * without knowing the tenant first: the hash is what identifies the tenant.
 */
export async function findApiKeyByHash(
  db: Db,
  hash: string,
): Promise<{ key: ApiKeyRow; tenantStatus: "active" | "suspended"; plan: Plan } | null> {
  const [row] = await db
    .select({ key: apiKeys, tenantStatus: tenants.status, plan: tenants.plan })
    .from(apiKeys)
    .innerJoin(tenants, eq(tenants.id, apiKeys.tenantId))
    .where(and(eq(apiKeys.hash, hash), isNull(apiKeys.revokedAt)))
    .limit(1);
  return row ?? null;
}

/** Records a use; callers run it off the request path. */
export async function touchApiKey(db: Db, tenantId: string, id: string): Promise<void> {
  await db
    .update(apiKeys)
    .set({ lastUsedAt: new Date() })
    .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, id)));
}
