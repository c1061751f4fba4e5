/** The Hono environment of every route: bindings plus the per-request services middleware sets. */
import type { Principal } from "../auth/principal";
import type { Db } from "../db/client";

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    db: Db;
    principal: Principal;
  };
}
