import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { neonConfig, Pool } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-serverless";
import { migrate as drizzleMigrate } from "drizzle-orm/neon-serverless/migrator";
import ws from "ws";

/** Options for {@link migrate}. */
export interface MigrateOptions {
  /** `host:port/v1` of the dev WebSocket→TCP proxy (NEON_WS_PROXY); omit when talking to Neon itself. */
  wsProxy?: string;
  /** drizzle-kit output folder (with `meta/_journal.json`); defaults to `<cwd>/migrations`. */
  migrationsFolder?: string;
}

/**
 * Points the process-wide `neonConfig` at `wsProxy` (plain Postgres behind the dev proxy: no
 * TLS inside the WebSocket, no Neon-specific pipelined startup) or back at Neon's defaults when
 * `wsProxy` is undefined, and gives the driver Node's `ws` package as its WebSocket. These are
 * the same settings the Worker applies from NEON_WS_PROXY, so Node tools and tests exercise the
 * identical driver path.
 */
export function configureNeonForNode(wsProxy?: string): void {
  neonConfig.webSocketConstructor = ws;
  if (wsProxy) {
    neonConfig.wsProxy = (host, port) => `${wsProxy}?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineTLS = false;
    neonConfig.pipelineConnect = false;
  } else {
    // Assigning undefined restores the driver's built-in Neon proxy address.
    neonConfig.wsProxy = undefined as unknown as string;
    neonConfig.useSecureWebSocket = true;
    neonConfig.pipelineTLS = false;
    neonConfig.pipelineConnect = "password";
  }
}

/**
 * Applies pending drizzle-kit SQL migrations through `@neondatabase/serverless`, recording them
 * in drizzle's `drizzle.__drizzle_migrations` table; already-applied ones are skipped, so it is
 * safe to run on every start. Note: mutates the global `neonConfig` (see {@link configureNeonForNode}).
 */
export async function migrate(connectionString: string, options: MigrateOptions = {}): Promise<void> {
  configureNeonForNode(options.wsProxy);
  const pool = new Pool({ connectionString, max: 1 });
  // An idle client dropped by the server would otherwise crash the process with an unhandled 'error'.
  pool.on("error", () => {});
  try {
    await drizzleMigrate(drizzle({ client: pool }), {
      migrationsFolder: options.migrationsFolder ?? resolve("migrations"),
    });
  } finally {
    await pool.end();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is required");
  await migrate(url, { wsProxy: process.env.NEON_WS_PROXY || undefined });
  console.log("migrations applied");
}
