/**
 * How command-line tools reach "the" database: `DATABASE_URL` when set, else the running `npm run dev` stack's
 * database (recorded in `.data/dev-stack.json`), else the embedded PGlite data directory opened directly.
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { startLocalDatabase } from "./database";

export const DATA_DIR = resolve(import.meta.dirname, "..", ".data");
const STACK_FILE = resolve(DATA_DIR, "dev-stack.json");

export interface DatabaseTarget {
  connectionString: string;
  /** Proxy for the Neon driver; absent for Neon itself. */
  wsProxy?: string;
  describe: string;
  release(): Promise<void>;
}

interface StackRecord {
  pid: number;
  connectionString: string;
  wsProxy: string;
}

/** Records the running dev stack so other tools can share its database instead of opening PGlite twice. */
export async function recordDevStack(record: StackRecord): Promise<() => Promise<void>> {
  await writeFile(STACK_FILE, JSON.stringify(record));
  return () => rm(STACK_FILE, { force: true });
}

/** Opens the database a CLI should use; `release` stops anything this call started. */
export async function openDatabaseTarget(env: NodeJS.ProcessEnv): Promise<DatabaseTarget> {
  if (env.DATABASE_URL) {
    return {
      connectionString: env.DATABASE_URL,
      wsProxy: env.NEON_WS_PROXY,
      describe: "DATABASE_URL",
      release: async () => {},
    };
  }
  const running = await readRunningStack();
  if (running) {
    return { ...running, describe: `the running dev stack (pid ${running.pid})`, release: async () => {} };
  }
  const local = await startLocalDatabase({ dataDir: resolve(DATA_DIR, "pglite") });
  return {
    connectionString: local.connectionString,
    wsProxy: local.wsProxy,
    describe: `embedded PGlite in ${resolve(DATA_DIR, "pglite")}`,
    release: () => local.stop(),
  };
}

async function readRunningStack(): Promise<StackRecord | null> {
  try {
    const record = JSON.parse(await readFile(STACK_FILE, "utf8")) as StackRecord;
    process.kill(record.pid, 0);
    return record;
  } catch {
    return null;
  }
}
