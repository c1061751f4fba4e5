/**
 * Opens the tenant database through `@neondatabase/serverless` — the same Pool code on Neon, on a local PostgreSQL
 * and on the embedded dev database. Locally the driver's WebSocket goes through the dev WebSocket→TCP proxy named
 * by `NEON_WS_PROXY`; on Neon it is unset and the driver talks to Neon's own proxy.
 */
import { neonConfig, Pool } from "@neondatabase/serverless";
import { drizzle, type NeonDatabase } from "drizzle-orm/neon-serverless";
import { AppError } from "../errors";
import * as schema from "./schema";

export type Db = NeonDatabase<typeof schema>;

/** The bindings the database needs. */
export interface DbEnv {
  DATABASE_URL?: string;
  /** `host:port/path` of a WebSocket→TCP proxy for non-Neon servers (local dev and tests only). */
  NEON_WS_PROXY?: string;
}

/** A database handle plus the pool behind it, which must be closed when the request ends. */
export interface DbHandle {
  db: Db;
  close(): Promise<void>;
}

/**
 * Opens a pool for one request or one Durable Object operation. Workers may not share I/O objects between
 * requests, so a pool never outlives the work that opened it.
 */
export function openDb(env: DbEnv): DbHandle {
  if (!env.DATABASE_URL) {
    throw new AppError("unavailable", "The database is not configured", { internal: "DATABASE_URL is unset" });
  }
  const proxy = env.NEON_WS_PROXY;
  if (proxy) {
    // A plain PostgreSQL behind our proxy speaks neither TLS-in-WebSocket nor Neon's pipelined startup.
    neonConfig.wsProxy = (host, port) => `${proxy}?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineTLS = false;
    neonConfig.pipelineConnect = false;
  }
  // Four connections are plenty for one request; Neon's pooler multiplexes behind them.
  const pool = new Pool({ connectionString: env.DATABASE_URL, max: 4 });
  let closing = false;
  // An idle connection dropped by the server must not become an uncaught exception; the next query reconnects.
  // While closing, or once workerd has torn down the request that owned the sockets, such drops are expected.
  pool.on("error", (err: unknown) => {
    if (!closing)
      console.warn(JSON.stringify({ level: "warn", msg: "idle database connection lost", err: String(err) }));
  });
  const db = drizzle({ client: pool, schema });
  return {
    db,
    close: () => {
      closing = true;
      return pool.end();
    },
  };
}
