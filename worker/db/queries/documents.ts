/** Document queries that span tenants: only the maintenance sweep uses them, and it acts per row's own tenant. */
import { and, eq, lt } from "drizzle-orm";
import type { Db } from "../client";
import { documents } from "../schema";

/** Uploads still marked `uploading` that started before `before`: their request died without cleaning up. */
export async function staleUploads(
  db: Db,
  before: Date,
  limit: number,
): Promise<Array<{ id: string; tenantId: string; r2Key: string }>> {
  return db
    .select({ id: documents.id, tenantId: documents.tenantId, r2Key: documents.r2Key })
    .from(documents)
    .where(and(eq(documents.status, "uploading"), lt(documents.createdAt, before)))
    .orderBy(documents.createdAt)
    .limit(limit);
}
