/**
 * The run slots of one tenant: how many runs (tasks, one-shot runs, chat turns) it has at once. Admission is a check
 * and an insert in one synchronous step, so in the tenant's Durable Object no two requests can both take the last
 * slot. A slot is held until its run releases it; a lease bounds what a run that died without releasing can hold.
 */
import type { Sql } from "../budget";

/** What started the run; kept for the refusal's details and for operators reading the table. */
export type RunKind = "task" | "rlm_run" | "turn";

export interface AdmissionRequest {
  /** The run's id (task, run or turn id): admitting it twice takes one slot. */
  holder: string;
  kind: RunKind;
  /** Slots the tenant's plan allows at once. */
  limit: number;
  /** How long the slot is held at most: the run's own deadline plus a margin. */
  leaseMs: number;
}

/** The outcome: refusals are data, and say how many runs hold slots. */
export type Admission =
  | { status: "admitted"; running: number }
  | { status: "refused"; running: number; limit: number; kinds: Partial<Record<RunKind, number>> };

export class AdmissionLedger {
  private constructor(private readonly sql: Sql) {}

  /** Opens the ledger over an object's SQLite storage, creating its table once. */
  static open(sql: Sql): AdmissionLedger {
    sql`CREATE TABLE IF NOT EXISTS run_slots (
      holder TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      admitted_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    )`;
    return new AdmissionLedger(sql);
  }

  /** Takes a slot for `holder` unless the tenant already has `limit` runs; idempotent per holder. */
  admit(request: AdmissionRequest, now = Date.now()): Admission {
    this.sql`DELETE FROM run_slots WHERE expires_at <= ${now}`;
    if (this.sql`SELECT 1 FROM run_slots WHERE holder = ${request.holder}`.length > 0) {
      return { status: "admitted", running: this.running() };
    }
    const running = this.running();
    if (running >= request.limit) {
      const kinds: Partial<Record<RunKind, number>> = {};
      for (const row of this.sql`SELECT kind, count(*) AS n FROM run_slots GROUP BY kind`) {
        kinds[row.kind as RunKind] = Number(row.n);
      }
      return { status: "refused", running, limit: request.limit, kinds };
    }
    this.sql`INSERT INTO run_slots (holder, kind, admitted_at, expires_at)
      VALUES (${request.holder}, ${request.kind}, ${now}, ${now + request.leaseMs})`;
    return { status: "admitted", running: running + 1 };
  }

  /** Returns `holder`'s slot; false when it held none (already released, or never admitted). */
  release(holder: string): boolean {
    const held = this.sql`SELECT 1 FROM run_slots WHERE holder = ${holder}`.length > 0;
    if (held) this.sql`DELETE FROM run_slots WHERE holder = ${holder}`;
    return held;
  }

  /** Slots held now. */
  running(): number {
    return Number(this.sql`SELECT count(*) AS n FROM run_slots`[0]?.n ?? 0);
  }
}
