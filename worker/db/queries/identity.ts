/** Tenants, users and memberships: the identity queries auth and bootstrap need. */
import { and, eq } from "drizzle-orm";
import type { Db } from "../client";
import { memberships, tenants, users } from "../schema";

export type Tenant = typeof tenants.$inferSelect;
export type User = typeof users.$inferSelect;
export type Role = (typeof memberships.$inferSelect)["role"];

/** Creates a tenant, or returns the existing one with that slug. */
export async function ensureTenant(db: Db, slug: string, name: string): Promise<Tenant> {
  const inserted = await db.insert(tenants).values({ slug, name }).onConflictDoNothing().returning();
  if (inserted[0]) return inserted[0];
  const [existing] = await db.select().from(tenants).where(eq(tenants.slug, slug)).limit(1);
  if (!existing) throw new Error(`tenant ${slug} vanished during ensureTenant`);
  return existing;
}

/** Looks a tenant up by id; suspended tenants are returned too, so callers can say why access is refused. */
export async function getTenant(db: Db, tenantId: string): Promise<Tenant | null> {
  const [row] = await db.select().from(tenants).where(eq(tenants.id, tenantId)).limit(1);
  return row ?? null;
}

/** Looks a tenant up by slug. */
export async function getTenantBySlug(db: Db, slug: string): Promise<Tenant | null> {
  const [row] = await db.select().from(tenants).where(eq(tenants.slug, slug)).limit(1);
  return row ?? null;
}

/** Creates the user (keyed by email within the tenant) if needed and makes sure it has a membership. */
export async function ensureMember(
  db: Db,
  tenantId: string,
  person: { email: string; name?: string | null; externalId?: string | null },
  role: Role,
): Promise<{ user: User; role: Role }> {
  const email = person.email.toLowerCase();
  await db
    .insert(users)
    .values({ tenantId, email, name: person.name ?? null, externalId: person.externalId ?? null })
    .onConflictDoNothing();
  const [user] = await db
    .select()
    .from(users)
    .where(and(eq(users.tenantId, tenantId), eq(users.email, email)))
    .limit(1);
  if (!user) throw new Error("user vanished during ensureMember");
  await db.insert(memberships).values({ tenantId, userId: user.id, role }).onConflictDoNothing();
  const [membership] = await db
    .select()
    .from(memberships)
    .where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, user.id)))
    .limit(1);
  return { user, role: membership?.role ?? role };
}

/** The names a signed-in person sees in the header: the workspace's slug and name, and the user's email and name. */
export async function identityNames(
  db: Db,
  tenantId: string,
  userId: string | null,
): Promise<{ tenant: { slug: string; name: string }; user: { email: string; name: string | null } | null }> {
  const [tenant] = await db
    .select({ slug: tenants.slug, name: tenants.name })
    .from(tenants)
    .where(eq(tenants.id, tenantId))
    .limit(1);
  const [user] = userId
    ? await db
        .select({ email: users.email, name: users.name })
        .from(users)
        .where(and(eq(users.tenantId, tenantId), eq(users.id, userId)))
        .limit(1)
    : [];
  return { tenant: tenant ?? { slug: tenantId, name: tenantId }, user: user ?? null };
}
