/**
 * The sandbox provider as one tenant's runs use it: every sandbox it creates carries the tenant's egress setting
 * (none by default), read when the sandbox is created, so a change applies to the next sandbox without a restart.
 */
import { eq } from "drizzle-orm";
import { openDb } from "../db/client";
import { tenants } from "../db/schema";
import { getSandboxPoolStub } from "../durable/sandbox-pool-stub";
import { daytonaProvider, daytonaSettings } from "./daytona";
import type { SandboxProvider, SandboxSpec } from "./provider";
import { replSandboxes, type WarmSource } from "./repl-sandboxes";
import { poolSettings } from "./warm-config";

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

/**
 * {@link daytonaProvider} for `tenantId`: its creates get the tenant's egress hosts, and the deployment's snapshot
 * (`DAYTONA_SNAPSHOT`) when one is set.
 */
export function tenantSandboxProvider(env: Env, tenantId: string): SandboxProvider {
  const provider = daytonaProvider(daytonaSettings(env));
  const snapshot = env.DAYTONA_SNAPSHOT || undefined;
  return {
    ...provider,
    async create(spec) {
      const egressHosts = await tenantEgressHosts(env, tenantId);
      // Daytona refuses resources with a snapshot (they are the snapshot's own).
      const image = snapshot ? { snapshot, resources: undefined } : {};
      return provider.create({ ...spec, ...image, egressHosts });
    },
  };
}

/**
 * The REPL sandboxes of one tenant's runs. They come from the deployment's warm pool when it has one and the tenant
 * allows no egress (pooled sandboxes are created with all egress blocked); otherwise each is created for its run.
 */
export function tenantReplSandboxes(env: Env, tenantId: string, labels: Omit<SandboxSpec["labels"], "tenant">) {
  const warm: WarmSource | undefined =
    poolSettings(env).target > 0
      ? {
          async take() {
            if ((await tenantEgressHosts(env, tenantId)).length > 0) return null;
            return getSandboxPoolStub(env).take();
          },
        }
      : undefined;
  return replSandboxes(
    tenantSandboxProvider(env, tenantId),
    { labels: { ...labels, tenant: tenantId } },
    { warm, preinstalled: Boolean(env.DAYTONA_SNAPSHOT) },
  );
}
