/**
 * Keyset paging of every paged list (sessions, tasks, documents) through the API: rows that share a millisecond
 * (timestamptz keeps microseconds) or a whole timestamp are neither skipped nor repeated, and a cursor that is
 * malformed or outside Postgres' range is a 400 naming `query.cursor`, never a 500. Runs on PGlite and on a real
 * PostgreSQL (project `workerd-postgres`).
 */
import { eq, type SQL, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { call, expectJson, newTenant, useTestDb } from "../../test/worker/harness";
import type { Db } from "./client";
import { documents, sessions, tasks, tenants } from "./schema";

const handle = useTestDb();

/** Four positions, newest first: three within one millisecond, the last two equal (the id breaks the tie). */
const TIMES = [
  "2026-03-01T10:00:00.123900Z",
  "2026-03-01T10:00:00.123500Z",
  "2026-03-01T10:00:00.123100Z",
  "2026-03-01T10:00:00.123100Z",
];

const REQUEST = { documents: [], budget: {}, models: {}, maxIterations: 1, maxDepth: 1, subCallConcurrency: 1 };

/** Ids in descending order, so equal times page by id, newest first. */
function descendingIds(count: number): string[] {
  return Array.from({ length: count }, () => crypto.randomUUID()).sort((a, b) => b.localeCompare(a));
}

const LISTS: Array<{
  path: string;
  items: string;
  insert: (db: Db, tenantId: string, id: string, at: SQL) => Promise<unknown>;
}> = [
  {
    path: "/v1/sessions",
    items: "sessions",
    insert: (db, tenantId, id, at) => db.insert(sessions).values({ id, tenantId, title: id, updatedAt: at }),
  },
  {
    path: "/v1/tasks",
    items: "tasks",
    insert: (db, tenantId, id, at) =>
      db.insert(tasks).values({ id, tenantId, mode: "rlm", query: id, request: REQUEST, createdAt: at }),
  },
  {
    path: "/v1/documents",
    items: "documents",
    insert: (db, tenantId, id, at) =>
      db.insert(documents).values({ id, tenantId, name: id, contentType: "text/plain", r2Key: id, createdAt: at }),
  },
];

async function enterpriseKey(label: string): Promise<{ key: string; tenantId: string }> {
  const { apiKey, tenant } = await newTenant(handle, label);
  await handle.db.update(tenants).set({ plan: "enterprise" }).where(eq(tenants.id, tenant.id));
  return { key: apiKey.secret, tenantId: tenant.id };
}

describe("keyset paging", () => {
  for (const list of LISTS) {
    it(`pages ${list.path} one row at a time across rows sharing a millisecond`, async () => {
      const { key, tenantId } = await enterpriseKey("paging");
      const ids = descendingIds(TIMES.length);
      for (const [index, at] of TIMES.entries()) {
        await list.insert(handle.db, tenantId, ids[index] as string, sql`${at}::timestamptz`);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < TIMES.length + 2; page += 1) {
        const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
        const body: Record<string, unknown> = await expectJson(
          await call(`${list.path}?limit=1${query}`, { key }),
          200,
        );
        seen.push(...(body[list.items] as Array<{ id: string }>).map((row) => row.id));
        cursor = body.nextCursor as string | null;
        if (!cursor) break;
      }
      expect(seen).toEqual(ids);
    });
  }

  it("refuses a malformed or out-of-range cursor with 400 naming query.cursor on every paged list", async () => {
    const { key } = await enterpriseKey("paging-cursor");
    const id = crypto.randomUUID();
    const cursors = [
      "not a cursor",
      btoa(`-100000-01-01T00:00:00.000Z|${id}`),
      btoa(`+200000-01-01T00:00:00.000Z|${id}`),
      btoa(`0000-01-01T00:00:00.000000Z|${id}`),
      btoa(`2026-02-30T00:00:00.000000Z|${id}`),
      btoa(`2026-01-01T24:00:00.000000Z|${id}`),
      btoa(`2026-01-01T00:00:00.0000001Z|${id}`),
      btoa(`2026-01-01T00:00:00.000000Z|not-a-uuid`),
    ];
    for (const list of LISTS) {
      for (const cursor of cursors) {
        const res = await call(`${list.path}?cursor=${encodeURIComponent(cursor)}`, { key });
        const body = await expectJson<{ error: { code: string; details: { issues: Array<{ field: string }> } } }>(
          res,
          400,
        );
        expect(
          body.error.details.issues.map((i) => i.field),
          `${list.path} ${atob(cursor)}`,
        ).toEqual(["query.cursor"]);
      }
    }
  });
});
