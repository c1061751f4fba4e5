/** The workspace's content-capture setting, read once per run tree. */
import { eq } from "drizzle-orm";
import { type DbEnv, openDb } from "../../db/client";
import { tenants } from "../../db/schema";

/** Whether `tenantId` keeps model-call texts (the default); a missing tenant keeps none. */
export async function tenantCaptures(env: DbEnv, tenantId: string): Promise<boolean> {
  const handle = openDb(env);
  try {
    const [row] = await handle.db
      .select({ capture: tenants.traceCapture })
      .from(tenants)
      .where(eq(tenants.id, tenantId));
    return row?.capture ?? false;
  } finally {
    await handle.close().catch(() => {});
  }
}
