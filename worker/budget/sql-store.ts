/**
 * A {@link LedgerStore} over SQLite through a `sql` tagged template, so the ledger can live in a Durable Object's
 * SQLite storage (or any synchronous SQLite) without knowing about either.
 */
import type { LedgerStore, MetaRecord, ReservationRecord, ScopeRecord, StoredLedger } from "./store";
import { BudgetLimits } from "./types";

export type SqlValue = string | number | null;
export type SqlRow = Record<string, SqlValue | ArrayBuffer>;

/**
 * A synchronous `sql` tagged template: interpolated values become bound parameters, never SQL text.
 * @example const rows = sql`SELECT * FROM budget_scopes WHERE id = ${id}`;
 */
export type Sql = (strings: TemplateStringsArray, ...values: SqlValue[]) => SqlRow[];

/** Schema migrations, in order; the stored version counts how many have run. Each is idempotent on its own. */
const MIGRATIONS: ReadonlyArray<(sql: Sql) => void> = [
  (sql) => {
    sql`CREATE TABLE IF NOT EXISTS budget_meta (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      limits TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      cancelled TEXT,
      next_reservation INTEGER NOT NULL
    )`;
    sql`CREATE TABLE IF NOT EXISTS budget_scopes (
      id TEXT PRIMARY KEY,
      parent TEXT,
      depth INTEGER NOT NULL,
      closed INTEGER NOT NULL,
      limit_calls INTEGER,
      limit_tokens INTEGER,
      limit_nano_usd INTEGER,
      used_calls INTEGER NOT NULL,
      used_tokens INTEGER NOT NULL,
      used_nano_usd INTEGER NOT NULL,
      sandboxes INTEGER NOT NULL
    )`;
    sql`CREATE TABLE IF NOT EXISTS budget_reservations (
      id TEXT PRIMARY KEY,
      scope TEXT NOT NULL,
      calls INTEGER NOT NULL,
      tokens INTEGER NOT NULL,
      nano_usd INTEGER NOT NULL
    )`;
  },
  (sql) => {
    sql`CREATE TABLE IF NOT EXISTS budget_finished_calls (id TEXT PRIMARY KEY)`;
  },
];

/** The schema version this code writes. */
export const BUDGET_SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the budget tables up to {@link BUDGET_SCHEMA_VERSION}; cheap when they already are. */
export function migrateBudgetSchema(sql: Sql): void {
  sql`CREATE TABLE IF NOT EXISTS budget_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)`;
  const version = Number(sql`SELECT version FROM budget_schema WHERE id = 1`[0]?.version ?? 0);
  if (version > BUDGET_SCHEMA_VERSION) {
    throw new Error(`budget schema version ${version} is newer than this code (${BUDGET_SCHEMA_VERSION})`);
  }
  for (const migration of MIGRATIONS.slice(version)) migration(sql);
  if (version < BUDGET_SCHEMA_VERSION) {
    sql`INSERT INTO budget_schema (id, version) VALUES (1, ${BUDGET_SCHEMA_VERSION})
      ON CONFLICT (id) DO UPDATE SET version = excluded.version`;
  }
}

/** Migrates the schema, then returns a store over it. */
export function sqlLedgerStore(sql: Sql): LedgerStore {
  migrateBudgetSchema(sql);
  return {
    load: () => load(sql),
    putMeta: (meta: MetaRecord) => {
      sql`INSERT INTO budget_meta (id, limits, created_at, cancelled, next_reservation)
        VALUES (1, ${JSON.stringify(meta.limits)}, ${meta.createdAt}, ${meta.cancelled}, ${meta.nextReservation})
        ON CONFLICT (id) DO UPDATE SET limits = excluded.limits, created_at = excluded.created_at,
          cancelled = excluded.cancelled, next_reservation = excluded.next_reservation`;
    },
    putScope: (s: ScopeRecord) => {
      sql`INSERT INTO budget_scopes (id, parent, depth, closed, limit_calls, limit_tokens, limit_nano_usd,
          used_calls, used_tokens, used_nano_usd, sandboxes)
        VALUES (${s.id}, ${s.parent}, ${s.depth}, ${s.closed ? 1 : 0}, ${s.limit.calls}, ${s.limit.tokens},
          ${s.limit.nanoUsd}, ${s.used.calls}, ${s.used.tokens}, ${s.used.nanoUsd}, ${s.sandboxes})
        ON CONFLICT (id) DO UPDATE SET closed = excluded.closed, used_calls = excluded.used_calls,
          used_tokens = excluded.used_tokens, used_nano_usd = excluded.used_nano_usd, sandboxes = excluded.sandboxes`;
    },
    putReservation: (r: ReservationRecord) => {
      sql`INSERT INTO budget_reservations (id, scope, calls, tokens, nano_usd)
        VALUES (${r.id}, ${r.scope}, ${r.amount.calls}, ${r.amount.tokens}, ${r.amount.nanoUsd})`;
    },
    deleteReservation: (id: string) => {
      sql`DELETE FROM budget_reservations WHERE id = ${id}`;
    },
    putFinishedCall: (callId: string) => {
      sql`INSERT INTO budget_finished_calls (id) VALUES (${callId}) ON CONFLICT (id) DO NOTHING`;
    },
  };
}

function load(sql: Sql): StoredLedger | null {
  const meta = sql`SELECT limits, created_at, cancelled, next_reservation FROM budget_meta WHERE id = 1`[0];
  if (!meta) return null;
  return {
    meta: {
      limits: BudgetLimits.parse(JSON.parse(text(meta.limits))),
      createdAt: int(meta.created_at),
      cancelled: meta.cancelled === null ? null : text(meta.cancelled),
      nextReservation: int(meta.next_reservation),
    },
    scopes: sql`SELECT * FROM budget_scopes`.map((row) => ({
      id: text(row.id),
      parent: row.parent === null ? null : text(row.parent),
      depth: int(row.depth),
      closed: int(row.closed) === 1,
      limit: {
        calls: optionalInt(row.limit_calls),
        tokens: optionalInt(row.limit_tokens),
        nanoUsd: optionalInt(row.limit_nano_usd),
      },
      used: { calls: int(row.used_calls), tokens: int(row.used_tokens), nanoUsd: int(row.used_nano_usd) },
      sandboxes: int(row.sandboxes),
    })),
    reservations: sql`SELECT * FROM budget_reservations`.map((row) => ({
      id: text(row.id),
      scope: text(row.scope),
      amount: { calls: int(row.calls), tokens: int(row.tokens), nanoUsd: int(row.nano_usd) },
    })),
    finishedCalls: sql`SELECT id FROM budget_finished_calls`.map((row) => text(row.id)),
  };
}

function text(value: SqlRow[string] | undefined): string {
  if (typeof value !== "string") throw new Error(`budget storage: expected text, got ${typeof value}`);
  return value;
}

function int(value: SqlRow[string] | undefined): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new Error(`budget storage: expected an integer, got ${String(value)}`);
  }
  return value;
}

function optionalInt(value: SqlRow[string] | undefined): number | null {
  return value === null ? null : int(value);
}
