import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pool, type PoolClient } from "@neondatabase/serverless";
import { describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "./embedded-postgres";
import { configureNeonForNode } from "./migrate";
import { definePoolSuite } from "./pool-suite";
import { startWsProxy } from "./ws-proxy";

const SLOW = { timeout: 120_000 };

describe("embedded Postgres (PGlite) through the WebSocket proxy", () => {
  const ctx = definePoolSuite(() => startEmbeddedPostgres({ blockingTransactionTimeoutMs: 0 }));

  it("queues other connections while a transaction is open, then runs them", async () => {
    await ctx.pool().query("create table if not exists serial_tx (id int)");
    const owner = await ctx.pool().connect();
    try {
      await owner.query("begin");
      await owner.query("insert into serial_tx values (1)");
      let waiterDone = false;
      const waiter = ctx
        .pool()
        .query("select count(*)::int as n from serial_tx")
        .then((r) => {
          waiterDone = true;
          return r.rows[0].n;
        });
      await new Promise((r) => setTimeout(r, 300));
      // A real server would answer at once (n = 0); PGlite holds the query until the transaction ends.
      expect(waiterDone).toBe(false);
      await owner.query("commit");
      expect(await waiter).toBe(1);
    } finally {
      owner.release();
    }
  });
});

describe("embedded Postgres connection handling", () => {
  it("rolls back and unblocks when a client disconnects mid-transaction", SLOW, async () => {
    const pg = await startEmbeddedPostgres({ blockingTransactionTimeoutMs: 0 });
    const proxy = await startWsProxy({ allow: [pg], log: () => {} });
    configureNeonForNode(proxy.url);
    const pool = new Pool({ connectionString: pg.connectionString, max: 4 });
    pool.on("error", () => {});
    try {
      await pool.query("create table dropped (id int)");
      const owner = await pool.connect();
      owner.on("error", () => {});
      await owner.query("begin");
      await owner.query("insert into dropped values (1)");
      const waiter = pool.query("select count(*)::int as n from dropped");
      owner.release(true); // destroys the connection without COMMIT
      expect((await waiter).rows[0].n).toBe(0);
    } finally {
      await pool.end();
      await proxy.stop();
      await pg.stop();
    }
  });

  it("refuses connections beyond maxConnections with a Postgres error", SLOW, async () => {
    const pg = await startEmbeddedPostgres({ maxConnections: 2 });
    const proxy = await startWsProxy({ allow: [pg], log: () => {} });
    configureNeonForNode(proxy.url);
    const pool = new Pool({ connectionString: pg.connectionString, max: 3 });
    pool.on("error", () => {});
    const held: PoolClient[] = [];
    try {
      held.push(await pool.connect(), await pool.connect());
      await expect(pool.connect()).rejects.toThrow(/too many clients/);
    } finally {
      for (const client of held) client.release();
      await pool.end();
      await proxy.stop();
      await pg.stop();
    }
  });
});

describe("embedded Postgres blocking-transaction watchdog", () => {
  it("terminates a transaction that idles while others wait, rolling it back", SLOW, async () => {
    const pg = await startEmbeddedPostgres({ blockingTransactionTimeoutMs: 300 });
    const proxy = await startWsProxy({ allow: [pg], log: () => {} });
    configureNeonForNode(proxy.url);
    const pool = new Pool({ connectionString: pg.connectionString, max: 4 });
    const errors: Error[] = [];
    pool.on("error", (e: Error) => errors.push(e));
    let owner: PoolClient | undefined;
    try {
      await pool.query("create table wd (id int)");
      owner = await pool.connect();
      owner.on("error", (e: Error) => errors.push(e));
      await owner.query("begin");
      await owner.query("insert into wd values (1)");
      // The application forgets to finish its transaction and waits on another connection instead.
      const started = Date.now();
      const { rows } = await pool.query("select count(*)::int as n from wd");
      expect(rows[0].n).toBe(0);
      expect(Date.now() - started).toBeLessThan(5_000);
      await expect(owner.query("commit")).rejects.toThrow(/not queryable|terminated/);
      expect(errors.map((e) => e.message).join("\n")).toMatch(/idle-in-transaction timeout/);
    } finally {
      owner?.release(true);
      await pool.end();
      await proxy.stop();
      await pg.stop();
    }
  });
});

describe("embedded Postgres persistence", () => {
  it("keeps data in dataDir across a clean restart", SLOW, async () => {
    const dir = await mkdtemp(join(tmpdir(), "fleet-rlm-pglite-"));
    const dataDir = join(dir, ".data", "pglite");
    const withPool = async (fn: (pool: Pool) => Promise<void>) => {
      const pg = await startEmbeddedPostgres({ dataDir });
      const proxy = await startWsProxy({ allow: [pg], log: () => {} });
      configureNeonForNode(proxy.url);
      const pool = new Pool({ connectionString: pg.connectionString });
      try {
        await fn(pool);
      } finally {
        await pool.end();
        await proxy.stop();
        await pg.stop();
      }
    };
    try {
      await withPool(async (pool) => {
        // A second server on the same directory would corrupt it.
        await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(/already open/);
        await pool.query("create table kept (note text)");
        await pool.query("insert into kept values ($1)", ["survives restart"]);
      });
      await withPool(async (pool) => {
        const { rows } = await pool.query("select note from kept");
        expect(rows).toEqual([{ note: "survives restart" }]);
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
