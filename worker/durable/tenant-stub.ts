import type { TenantDO } from "./tenant-do";

/** The tenant's object (run admission), named by the tenant id. Kept apart from the class for Node tools. */
export function getTenantStub(env: Pick<Env, "TENANTS">, tenantId: string): DurableObjectStub<TenantDO> {
  return env.TENANTS.get(env.TENANTS.idFromName(tenantId));
}
