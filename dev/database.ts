/**
 * The database half of the local stack: a PostgreSQL reachable by the Worker's Neon driver, migrated. Either the
 * server named by `url` (a real PostgreSQL) or embedded PGlite, in both cases behind the WebSocket→TCP proxy that
 * stands in for Neon's.
 */
import { startEmbeddedPostgres } from "./db/embedded-postgres";
import { migrate } from "./db/migrate";
import { startWsProxy } from "./db/ws-proxy";

export interface LocalDatabase {
  /** What the Worker gets as DATABASE_URL. */
  connectionString: string;
  /** What the Worker gets as NEON_WS_PROXY. */
  wsProxy: string;
  kind: "embedded" | "postgres";
  stop(): Promise<void>;
}

export interface LocalDatabaseOptions {
  /** A real PostgreSQL URL; when absent PGlite is embedded. */
  url?: string;
  /** PGlite data directory; in-memory when absent. */
  dataDir?: string;
  /** Fixed port for the proxy (dev), or 0 for an ephemeral one (tests). */
  proxyPort?: number;
  /** Client connections the embedded PGlite accepts (its default when absent); ignored for a real PostgreSQL. */
  maxConnections?: number;
}

/** Starts (or adopts) the database and proxy and applies all migrations. */
export async function startLocalDatabase(options: LocalDatabaseOptions = {}): Promise<LocalDatabase> {
  const embedded = options.url
    ? null
    : await startEmbeddedPostgres({ dataDir: options.dataDir, maxConnections: options.maxConnections });
  const connectionString = options.url ?? (embedded?.connectionString as string);
  const target = new URL(connectionString);
  const proxy = await startWsProxy({
    port: options.proxyPort ?? 0,
    allow: [{ host: target.hostname, port: Number(target.port || 5432) }],
  });
  try {
    await migrate(connectionString, { wsProxy: proxy.url });
  } catch (err) {
    await proxy.stop();
    await embedded?.stop();
    throw err;
  }
  return {
    connectionString,
    wsProxy: proxy.url,
    kind: embedded ? "embedded" : "postgres",
    async stop() {
      await proxy.stop();
      await embedded?.stop();
    },
  };
}
