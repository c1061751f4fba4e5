/**
 * Opens the tenant database through `@neondatabase/serverless` — the same Pool code on Neon, on a local PostgreSQL
 * and on the embedded dev database. Locally the driver's WebSocket goes through the dev WebSocket→TCP proxy named
 * by `NEON_WS_PROXY`; on Neon it is unset and the driver talks to Neon's own proxy.
 */
import { neonConfig, Pool, type PoolClient } from "@neondatabase/serverless";
import { drizzle, type NeonDatabase } from "drizzle-orm/neon-serverless";
import { AppError } from "../errors";
import { classifyDbFailure, connectionError } from "./failures";
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
 * Connections one request's pool may hold. Queries of a request mostly run one after another and the pool reuses an
 * idle connection for the next; the second serves work that overlaps (a deferred `last_used_at` update beside the
 * route's own query, a query issued while a transaction holds the first). More would only let one request take a
 * larger share of the server's `max_connections` in a burst.
 */
const POOL_MAX = 2;

/**
 * How long a query waits to open a connection (or for one of the pool's to free up). Past it the request answers
 * 503 instead of hanging on a server that accepts TCP but never finishes the handshake.
 */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Retries of a connection the server refused as busy (`too_many_connections`, `cannot_connect_now`). A burst holds
 * each connection for milliseconds, so a short wait often finds one free; four waits of up to 100, 200, 400 and 800 ms
 * (full jitter, so refused requests do not come back together) add 1.5 s at most. Measured with 150 requests against
 * 8 connections: 8 served without retries, 40–56 with these four, 84 with a fifth (but 3 s of waiting).
 */
const BUSY_RETRIES = 4;
const BUSY_BACKOFF_MS = 100;

type ConnectCallback = (
  err: Error | undefined,
  client: PoolClient | undefined,
  done: (release?: unknown) => void,
) => void;

/**
 * A Pool whose connection failures carry the `dbConnectionFailed` brand, so they are told apart from query errors by
 * a field, and that retries a connection the server refused as busy. `Pool.query` goes through `connect` too, so one
 * override covers drizzle's plain queries and its transactions.
 */
class BrandedPool extends Pool {
  override connect(): Promise<PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<PoolClient> | undefined {
    const connected = this.#connectRetrying();
    if (!callback) return connected;
    connected.then(
      (client) => callback(undefined, client, (release) => client.release(release as Error | boolean | undefined)),
      (err: Error) => callback(err, undefined, () => {}),
    );
    return undefined;
  }

  async #connectRetrying(): Promise<PoolClient> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await super.connect();
      } catch (err) {
        const error = connectionError(err);
        const reason = classifyDbFailure(error)?.reason;
        // An unreachable server is not helped by waiting a few hundred milliseconds; a busy one usually is.
        if (attempt >= BUSY_RETRIES || reason === undefined || reason === "unreachable") throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * BUSY_BACKOFF_MS * 2 ** attempt));
      }
    }
  }
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
  const pool = new BrandedPool({
    connectionString: env.DATABASE_URL,
    max: POOL_MAX,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
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
