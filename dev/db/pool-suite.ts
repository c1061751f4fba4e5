import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pool } from "@neondatabase/serverless";
import { afterAll, beforeAll, expect, it } from "vitest";
import { configureNeonForNode, migrate } from "./migrate";
import { startWsProxy, type WsProxy } from "./ws-proxy";

/** A database reachable over TCP, as the suite needs it. */
export interface TcpDatabase {
  connectionString: string;
  host: string;
  port: number;
  stop(): Promise<void>;
}

/** What the suite exposes to backend-specific tests in the same `describe`. */
export interface SuiteContext {
  pool(): Pool;
  proxy(): WsProxy;
  database(): TcpDatabase;
}

/**
 * Registers (inside the caller's `describe`) the tests every backend must pass when reached the
 * way the Worker reaches it: `@neondatabase/serverless` Pool → ws → dev WebSocket proxy → TCP.
 */
export function definePoolSuite(start: () => Promise<TcpDatabase>): SuiteContext {
  let database: TcpDatabase;
  let proxy: WsProxy;
  let pool: Pool;

  beforeAll(async () => {
    database = await start();
    proxy = await startWsProxy({ allow: [{ host: database.host, port: database.port }], log: () => {} });
    configureNeonForNode(proxy.url);
    pool = new Pool({ connectionString: database.connectionString, max: 8 });
  }, 120_000);

  afterAll(async () => {
    await pool?.end();
    await proxy?.stop();
    await database?.stop();
  }, 60_000);

  it("answers a simple query", async () => {
    const { rows } = await pool.query("select 1::int as one, current_database() as db");
    expect(rows).toEqual([{ one: 1, db: "postgres" }]);
  });

  it("serves 8 concurrent connections with parallel queries", async () => {
    const clients = await Promise.all(Array.from({ length: 8 }, () => pool.connect()));
    try {
      expect(pool.totalCount).toBe(8);
      const pids = await Promise.all(
        clients.map(async (client, i) => {
          for (let j = 0; j < 20; j++) {
            // A different parameter count per client would expose any mixing of extended-protocol messages.
            const extra = Array.from({ length: i }, (_, k) => `, $${k + 3}::int as e${k}`).join("");
            const { rows } = await client.query(`select $1::int as n, $2::text as who${extra}`, [
              i * 100 + j,
              `client-${i}`,
              ...Array.from({ length: i }, (_, k) => k),
            ]);
            expect(rows[0]).toMatchObject({ n: i * 100 + j, who: `client-${i}` });
          }
          return (await client.query("select 1")).rowCount;
        }),
      );
      expect(pids).toEqual(Array(8).fill(1));
    } finally {
      for (const client of clients) client.release();
    }
  });

  it("commits and rolls back transactions", async () => {
    await pool.query("create table if not exists suite_tx (id int primary key, note text)");
    const client = await pool.connect();
    try {
      await client.query("begin");
      await client.query("insert into suite_tx values (1, 'rolled back')");
      await client.query("rollback");
      await client.query("begin");
      await client.query("insert into suite_tx values (2, 'committed')");
      await client.query("commit");
      await client.query("begin");
      await expect(client.query("insert into suite_tx values (2, 'duplicate')")).rejects.toThrow(/duplicate key/);
      await client.query("rollback");
    } finally {
      client.release();
    }
    const { rows } = await pool.query("select id, note from suite_tx order by id");
    expect(rows).toEqual([{ id: 2, note: "committed" }]);
  });

  it("runs interleaved transactions on two connections without deadlock or lost updates", async () => {
    await pool.query("create table if not exists suite_counter (id int primary key, n int not null)");
    await pool.query("insert into suite_counter values (1, 0) on conflict (id) do update set n = 0");
    const bump = async () => {
      const client = await pool.connect();
      try {
        for (let k = 0; k < 10; k++) {
          await client.query("begin");
          await client.query("update suite_counter set n = n + 1 where id = 1");
          await client.query("commit");
        }
      } finally {
        client.release();
      }
    };
    await Promise.all([bump(), bump(), bump(), bump()]);
    const { rows } = await pool.query("select n from suite_counter where id = 1");
    expect(rows[0].n).toBe(40);
  });

  it("keeps large multi-chunk messages intact while other connections query", async () => {
    // A 3 MB Bind spans many TCP chunks; a multiplexer that switched connections mid-round would
    // let another connection's Parse replace this statement (seen as "invalid input syntax").
    const big = "x".repeat(3_000_000);
    for (let round = 0; round < 5; round++) {
      const small = Array.from({ length: 30 }, (_, i) => pool.query("select $1::int as i", [i]));
      const [echo, rows] = await Promise.all([
        pool.query("select length($1::text) as len", [big]),
        pool.query("select g, repeat('y', 100) as pad from generate_series(1, 20000) g"),
      ]);
      expect(echo.rows[0].len).toBe(big.length);
      expect(rows.rowCount).toBe(20_000);
      expect((await Promise.all(small)).map((r) => r.rows[0].i)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    }
  });

  it("applies drizzle-kit migrations once", async () => {
    const folder = await mkdtemp(join(tmpdir(), "fleet-rlm-migrations-"));
    try {
      await mkdir(join(folder, "meta"));
      const entry = { idx: 0, version: "7", when: 1_700_000_000_000, tag: "0000_suite", breakpoints: true };
      await writeFile(
        join(folder, "meta", "_journal.json"),
        JSON.stringify({ version: "7", dialect: "postgresql", entries: [entry] }),
      );
      await writeFile(
        join(folder, "0000_suite.sql"),
        'CREATE TABLE "suite_migrated" ("id" serial PRIMARY KEY, "name" text NOT NULL);\n--> statement-breakpoint\n' +
          'INSERT INTO "suite_migrated" ("name") VALUES (\'seed\');',
      );
      await migrate(database.connectionString, { wsProxy: proxy.url, migrationsFolder: folder });
      await migrate(database.connectionString, { wsProxy: proxy.url, migrationsFolder: folder });
      const seeded = await pool.query("select name from suite_migrated");
      expect(seeded.rows).toEqual([{ name: "seed" }]);
      const applied = await pool.query("select count(*)::int as n from drizzle.__drizzle_migrations");
      expect(applied.rows[0].n).toBe(1);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("refuses database addresses outside the proxy allow list", async () => {
    const other = new Pool({
      connectionString: `postgres://postgres:postgres@127.0.0.1:${database.port + 1}/postgres`,
    });
    other.on("error", () => {});
    try {
      const error = await other.query("select 1").then(
        () => undefined,
        (e: unknown) => e,
      );
      // The driver surfaces ws's ErrorEvent, whose message carries the proxy's HTTP status.
      expect((error as { message?: string } | undefined)?.message).toMatch(/403/);
    } finally {
      await other.end();
    }
  });

  return { pool: () => pool, proxy: () => proxy, database: () => database };
}
