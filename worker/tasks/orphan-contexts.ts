/**
 * The maintenance sweep for inline contexts that no task or run refers to. Creating a task or a one-shot run stores
 * its context in R2 before its row and removes it when the row is not written; only a request that died in between
 * (an evicted isolate, a deploy) leaves one behind, and this removes it.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client";
import { runs, tasks } from "../db/schema";

/** Longer than any request that stores a context takes, so a request still running never loses its object. */
export const ORPHAN_CONTEXT_MS = 60 * 60 * 1000;
/** Objects listed per page (R2's maximum is 1,000). */
const PAGE = 500;
const PREFIX = "contexts/";

/** Removes contexts older than {@link ORPHAN_CONTEXT_MS} whose task or run does not exist; returns how many. */
export async function sweepOrphanContexts(db: Db, bucket: R2Bucket, now = Date.now()): Promise<number> {
  let removed = 0;
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: PREFIX, limit: PAGE, cursor });
    cursor = page.truncated ? page.cursor : undefined;
    const old = page.objects.filter((o) => o.uploaded.getTime() < now - ORPHAN_CONTEXT_MS);
    const byTenant = new Map<string, Array<{ key: string; id: string }>>();
    for (const object of old) {
      // `contexts/{tenant}/{task or run id}`; anything else under the prefix is not ours to judge.
      const [tenantId, id, ...rest] = object.key.slice(PREFIX.length).split("/");
      if (!tenantId || !id || rest.length > 0 || !UUID.test(tenantId) || !UUID.test(id)) continue;
      byTenant.set(tenantId, [...(byTenant.get(tenantId) ?? []), { key: object.key, id }]);
    }
    for (const [tenantId, objects] of byTenant) {
      const ids = objects.map((o) => o.id);
      const [taskRows, runRows] = await Promise.all([
        db
          .select({ id: tasks.id })
          .from(tasks)
          .where(and(eq(tasks.tenantId, tenantId), inArray(tasks.id, ids))),
        db
          .select({ id: runs.id })
          .from(runs)
          .where(and(eq(runs.tenantId, tenantId), inArray(runs.id, ids))),
      ]);
      const owned = new Set([...taskRows, ...runRows].map((r) => r.id));
      const orphans = objects.filter((o) => !owned.has(o.id)).map((o) => o.key);
      if (orphans.length > 0) await bucket.delete(orphans);
      removed += orphans.length;
    }
  } while (cursor);
  return removed;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
