/** Who is calling: the result of authentication, carried as `c.var.principal`. */
import type { Role } from "../db/queries/identity";
import type { Credential } from "./credential";
import type { Scope } from "./scopes";

export interface Principal {
  tenantId: string;
  /** Null for API keys not tied to a user. */
  userId: string | null;
  via: "api_key" | "session" | "oidc";
  scopes: Scope[];
  role: Role | null;
  /** The API key's id when `via` is `api_key`. */
  apiKeyId?: string;
  /** What authenticated the request; sockets keep it, so they end when it is revoked. */
  credential: Credential;
  /** The tenant's plan, which sets its rate limits and quotas. */
  plan: "free" | "team" | "enterprise";
}
