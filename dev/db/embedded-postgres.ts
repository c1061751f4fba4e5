import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { type PgliteServer, servePglite } from "./pglite-server";

/** Options for {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** Directory to persist the database in (created if missing); undefined = in-memory. */
  dataDir?: string;
  /** TCP port; 0 (default) lets the OS pick a free one. */
  port?: number;
  /** Interface to bind; defaults to 127.0.0.1 so the database is never exposed beyond this machine. */
  host?: string;
  /** Concurrent client connections accepted (default 64); further ones are refused. */
  maxConnections?: number;
  /**
   * A connection that sits idle inside an open transaction while other connections wait for
   * PGlite is terminated (its transaction rolled back) after this many ms — the embedded
   * equivalent of `idle_in_transaction_session_timeout`. Default 10 000; 0 disables.
   */
  blockingTransactionTimeoutMs?: number;
}

/** A running embedded Postgres; see {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgres {
  /** `postgres://postgres:postgres@host:port/postgres` (PGlite accepts any credentials). */
  connectionString: string;
  host: string;
  port: number;
  /** Closes all client connections (rolling back open transactions), the listener, then the database. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts PGlite (in memory, or persisted at `dataDir`) behind a Postgres wire-protocol TCP
 * server, so local development and tests use the same Postgres driver code as production.
 *
 * Concurrency: PGlite is a single backend, so connections take turns (see ./pglite-server.ts):
 * each query round (Parse…Sync or a simple Query) runs atomically, and while a connection has an
 * explicit transaction open the others wait until it commits or rolls back. That is serialisable
 * and cannot lose updates, but a query on another connection inside your transaction waits for
 * that transaction — a deadlock that `blockingTransactionTimeoutMs` breaks by terminating the idle
 * owner, as Postgres' idle_in_transaction_session_timeout would. Session state (SET, temp tables,
 * named prepared statements) is shared by all connections.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const { dataDir, port = 0, host = "127.0.0.1", maxConnections = 64 } = options;

  // PGlite creates only the last path segment itself.
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const unlock = dataDir ? await lockDataDir(dataDir) : async () => {};
  let db: PGlite | undefined;
  let server: PgliteServer;
  try {
    db = await PGlite.create(dataDir ? { dataDir } : {});
    server = await servePglite({
      db,
      host,
      port,
      maxConnections,
      blockingTimeoutMs: options.blockingTransactionTimeoutMs ?? 10_000,
      log: (m) => console.warn(`[embedded-postgres] ${m}`),
    });
  } catch (error) {
    await db?.close();
    await unlock();
    throw error;
  }

  let stopping: Promise<void> | undefined;
  return {
    connectionString: `postgres://postgres:postgres@${host.includes(":") ? `[${host}]` : host}:${server.port}/postgres`,
    host,
    port: server.port,
    stop() {
      stopping ??= (async () => {
        await server.stop();
        await db.close();
        await unlock();
      })();
      return stopping;
    },
  };
}

/**
 * PGlite does not lock its data directory, and two processes writing one cluster corrupt it, so
 * claim `<dataDir>.lock` with our pid (taking it over if that pid is gone, e.g. after a crash).
 */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockFile = `${dataDir.replace(/[/\\]+$/, "")}.lock`;
  for (;;) {
    try {
      await writeFile(lockFile, String(process.pid), { flag: "wx" });
      return () => rm(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = Number(await readFile(lockFile, "utf8").catch(() => ""));
    if (holder && holder !== process.pid && isAlive(holder)) {
      throw new Error(`${dataDir} is in use by process ${holder} (lock file ${lockFile})`);
    }
    if (holder === process.pid) throw new Error(`${dataDir} is already open in this process`);
    await rm(lockFile, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
