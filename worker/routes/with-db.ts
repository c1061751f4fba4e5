/** Opens the database for a request as `c.var.db` and closes it once the response is done. */
import { createMiddleware } from "hono/factory";
import { openDb } from "../db/client";
import type { AppEnv } from "./app-env";

export function withDb() {
  return createMiddleware<AppEnv>(async function withDb(c, next) {
    const handle = openDb(c.env);
    c.set("db", handle.db);
    try {
      await next();
    } finally {
      c.executionCtx.waitUntil(handle.close());
    }
  });
}
