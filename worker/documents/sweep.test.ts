/** The maintenance cron inside workerd: the Worker's own `scheduled` handler against the test database and R2. */

import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { newTenant, useTestDb } from "../../test/worker/harness";
import { documents } from "../db/schema";
import worker from "../index";
import { STALE_UPLOAD_MS } from "./sweep";
import { originalKey } from "./upload";

const handle = useTestDb();

describe("stale upload sweep", () => {
  it("removes uploads stuck in `uploading` past the limit, with their bytes, and leaves the rest alone", async () => {
    const { tenant } = await newTenant(handle, "sweep");
    const row = async (status: "uploading" | "ready", ageMs: number) => {
      const r2Key = `documents/${tenant.id}/${crypto.randomUUID()}`;
      await env.DOCUMENTS.put(r2Key, "partial bytes");
      await env.DOCUMENTS.put(originalKey(r2Key), "partial original");
      const [doc] = await handle.db
        .insert(documents)
        .values({
          tenantId: tenant.id,
          name: `${status}.txt`,
          contentType: "text/plain",
          r2Key,
          status,
          createdAt: new Date(Date.now() - ageMs),
        })
        .returning();
      return { id: doc?.id as string, r2Key };
    };
    const dead = await row("uploading", STALE_UPLOAD_MS + 60_000);
    const running = await row("uploading", 60_000);
    const oldButReady = await row("ready", STALE_UPLOAD_MS * 2);

    await worker.scheduled(createScheduledController({ cron: "*/15 * * * *" }), env);

    const left = await handle.db.select().from(documents).where(eq(documents.tenantId, tenant.id));
    expect(left.map((d) => d.id).sort()).toEqual([running.id, oldButReady.id].sort());
    expect(await env.DOCUMENTS.head(dead.r2Key)).toBeNull();
    expect(await env.DOCUMENTS.head(originalKey(dead.r2Key))).toBeNull();
    expect(await env.DOCUMENTS.head(running.r2Key)).not.toBeNull();
    expect(await env.DOCUMENTS.head(oldButReady.r2Key)).not.toBeNull();
  });
});
