/**
 * Tenant-scoped access to any table with `id` and `tenant_id` columns. Every read, update and delete filters by the
 * caller's tenant, so a row of another tenant is indistinguishable from a missing one.
 */
import { and, desc, eq, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import type { Db } from "./client";

/** A table the scoped repository can serve: it has `id` and `tenant_id` columns. */
export type ScopedTable = PgTable & { id: PgColumn; tenantId: PgColumn; createdAt?: PgColumn };

/** Options for {@link ScopedRepo.list}. */
export interface ListOptions {
  limit?: number;
  where?: SQL;
}

/** CRUD over one table, always within one tenant. */
export interface ScopedRepo<T extends ScopedTable> {
  insert(db: Db, tenantId: string, values: Omit<T["$inferInsert"], "tenantId">): Promise<T["$inferSelect"]>;
  get(db: Db, tenantId: string, id: string): Promise<T["$inferSelect"] | null>;
  list(db: Db, tenantId: string, options?: ListOptions): Promise<T["$inferSelect"][]>;
  update(
    db: Db,
    tenantId: string,
    id: string,
    patch: Partial<Omit<T["$inferInsert"], "tenantId" | "id">>,
  ): Promise<T["$inferSelect"] | null>;
  remove(db: Db, tenantId: string, id: string): Promise<boolean>;
}

/** Builds the {@link ScopedRepo} of a table. */
export function scopedRepo<T extends ScopedTable>(table: T): ScopedRepo<T> {
  const owned = (tenantId: string, id: string) => and(eq(table.tenantId, tenantId), eq(table.id, id));
  // SAFETY: drizzle cannot infer row types through a generic table parameter; each cast restates `T`'s own types.
  type Row = T["$inferSelect"];
  return {
    async insert(db, tenantId, values) {
      const rows = await db
        .insert(table)
        .values({ ...values, tenantId } as T["$inferInsert"])
        .returning();
      return (rows as Row[])[0] as Row;
    },
    async get(db, tenantId, id) {
      if (!isUuid(id)) return null;
      const rows = await db
        .select()
        .from(table as PgTable)
        .where(owned(tenantId, id))
        .limit(1);
      return (rows[0] as Row | undefined) ?? null;
    },
    async list(db, tenantId, options = {}) {
      const scope = options.where ? and(eq(table.tenantId, tenantId), options.where) : eq(table.tenantId, tenantId);
      const query = db
        .select()
        .from(table as PgTable)
        .where(scope)
        .limit(Math.min(options.limit ?? 100, 1000));
      const rows = table.createdAt ? await query.orderBy(desc(table.createdAt)) : await query;
      return rows as Row[];
    },
    async update(db, tenantId, id, patch) {
      if (!isUuid(id)) return null;
      const rows = await db
        .update(table)
        .set(patch as Partial<T["$inferInsert"]>)
        .where(owned(tenantId, id))
        .returning();
      return ((rows as Row[])[0] as Row | undefined) ?? null;
    },
    async remove(db, tenantId, id) {
      if (!isUuid(id)) return false;
      const rows = await db.delete(table).where(owned(tenantId, id)).returning({ id: table.id });
      return rows.length > 0;
    },
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a syntactically valid UUID; anything else cannot name a row and is treated as missing. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
