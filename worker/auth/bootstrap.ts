/**
 * Creates a tenant with an owner and an admin API key — the first credential of a new deployment (used by
 * `npm run bootstrap`, `npm run dev` and tests). Safe to rerun: the tenant and user are reused, a new key is minted.
 */
import type { Db } from "../db/client";
import { ensureMember, ensureTenant, type Tenant, type User } from "../db/queries/identity";
import { repos } from "../db/repos";
import { mintApiKey } from "./api-key-format";
import type { Scope } from "./scopes";

export interface BootstrapInput {
  tenantSlug: string;
  tenantName?: string;
  email: string;
  keyName?: string;
  scopes?: Scope[];
}

export interface BootstrapResult {
  tenant: Tenant;
  user: User;
  apiKey: { id: string; prefix: string; secret: string };
}

export async function bootstrapTenant(db: Db, input: BootstrapInput): Promise<BootstrapResult> {
  const tenant = await ensureTenant(db, input.tenantSlug, input.tenantName ?? input.tenantSlug);
  const { user } = await ensureMember(db, tenant.id, { email: input.email }, "owner");
  const minted = await mintApiKey();
  const row = await repos.apiKeys.insert(db, tenant.id, {
    userId: user.id,
    name: input.keyName ?? "bootstrap admin key",
    prefix: minted.prefix,
    hash: minted.hash,
    scopes: input.scopes ?? ["admin"],
  });
  return { tenant, user, apiKey: { id: row.id, prefix: row.prefix, secret: minted.secret } };
}
