/**
 * LLM profile rows. Making a profile the default clears the previous default in the same transaction; the partial
 * unique index `llm_profiles_tenant_default` makes a concurrent second default fail instead of coexisting.
 */
import { and, asc, desc, eq, ne } from "drizzle-orm";
import type { Db } from "../client";
import { llmProfiles } from "../schema";
import { isUuid } from "../scoped";

export type LlmProfileRow = typeof llmProfiles.$inferSelect;
type Insert = Omit<typeof llmProfiles.$inferInsert, "tenantId" | "id" | "createdAt" | "updatedAt">;
type Patch = Partial<Insert>;

/** The tenant's profiles, the default first, then by name. */
export function listLlmProfiles(db: Db, tenantId: string): Promise<LlmProfileRow[]> {
  return db
    .select()
    .from(llmProfiles)
    .where(eq(llmProfiles.tenantId, tenantId))
    .orderBy(desc(llmProfiles.isDefault), asc(llmProfiles.name))
    .limit(200);
}

/** The profile `id`, or the tenant's default when `id` is absent; null when there is none. */
export async function findLlmProfile(db: Db, tenantId: string, id?: string): Promise<LlmProfileRow | null> {
  if (id !== undefined && !isUuid(id)) return null;
  const [row] = await db
    .select()
    .from(llmProfiles)
    .where(
      and(
        eq(llmProfiles.tenantId, tenantId),
        id === undefined ? eq(llmProfiles.isDefault, true) : eq(llmProfiles.id, id),
      ),
    )
    .limit(1);
  return row ?? null;
}

/** Inserts a profile; with `isDefault` the previous default stops being one, atomically. */
export function insertLlmProfile(db: Db, tenantId: string, values: Insert): Promise<LlmProfileRow> {
  return db.transaction(async (tx) => {
    if (values.isDefault) await clearDefault(tx, tenantId);
    const [row] = await tx
      .insert(llmProfiles)
      .values({ ...values, tenantId })
      .returning();
    // SAFETY: an INSERT … RETURNING of one row returns that row.
    return row as LlmProfileRow;
  });
}

/** Applies `patch`; null when the profile is not the tenant's. `isDefault: true` moves the default here atomically. */
export function updateLlmProfile(db: Db, tenantId: string, id: string, patch: Patch): Promise<LlmProfileRow | null> {
  if (!isUuid(id)) return Promise.resolve(null);
  return db.transaction(async (tx) => {
    if (patch.isDefault) await clearDefault(tx, tenantId, id);
    const [row] = await tx
      .update(llmProfiles)
      .set({ ...patch, updatedAt: new Date() })
      .where(and(eq(llmProfiles.tenantId, tenantId), eq(llmProfiles.id, id)))
      .returning();
    return row ?? null;
  });
}

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

async function clearDefault(tx: Tx, tenantId: string, except?: string): Promise<void> {
  await tx
    .update(llmProfiles)
    .set({ isDefault: false, updatedAt: new Date() })
    .where(
      and(
        eq(llmProfiles.tenantId, tenantId),
        eq(llmProfiles.isDefault, true),
        except ? ne(llmProfiles.id, except) : undefined,
      ),
    );
}

/**
 * The name of the unique index a failed write violated (Postgres error 23505), or null for any other error. Drizzle
 * wraps driver errors, so the chain of causes is searched.
 */
export function violatedUniqueIndex(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth += 1) {
    const fields = e as { code?: unknown; constraint?: unknown; cause?: unknown };
    if (fields.code === "23505") return typeof fields.constraint === "string" ? fields.constraint : "";
    e = fields.cause;
  }
  return null;
}
