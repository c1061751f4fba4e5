/**
 * The sandbox provider as one tenant's runs use it: every sandbox it creates carries the tenant's egress setting
 * (none by default), read when the sandbox is created, so a change applies to the next sandbox without a restart.
 */
import { eq } from "drizzle-orm";
import { openDb } from "../db/client";
import { tenants } from "../db/schema";
import { daytonaProvider, daytonaSettings } from "./daytona";
import type { SandboxProvider } from "./provider";

/** The hosts `tenantId`'s sandboxes may reach; empty when it allowed none (or no longer exists). */
export async function tenantEgressHosts(env: Env, tenantId: string): Promise<string[]> {
  const handle = openDb(env);
  try {
    const [row] = await handle.db
      .select({ hosts: tenants.sandboxEgressHosts })
      .from(tenants)
      .where(eq(tenants.id, tenantId))
      .limit(1);
    return row?.hosts ?? [];
  } finally {
    await handle.close();
  }
}

/** {@link daytonaProvider} for `tenantId`: its creates get the tenant's egress hosts. */
export function tenantSandboxProvider(env: Env, tenantId: string): SandboxProvider {
  const provider = daytonaProvider(daytonaSettings(env));
  return {
    ...provider,
    async create(spec) {
      return provider.create({ ...spec, egressHosts: await tenantEgressHosts(env, tenantId) });
    },
  };
}
