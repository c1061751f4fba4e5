/**
 * A session's event log: every server frame with a gapless `seq`, stored before it is sent, so a client that lost
 * its socket asks for everything after the last `seq` it holds and misses nothing. Takes only a `sql` tag, so it
 * runs on a Durable Object's SQLite and, in tests, on any synchronous SQLite.
 */
import type { Sql } from "../budget";
import type { ServerFrame } from "../contracts/session";

/** A frame to append: everything but `seq` and `ts`, which the log assigns. */
export type NewFrame = Omit<ServerFrame, "seq" | "ts">;

/** A stored frame and the exact text sent on the wire, so replay and live delivery send identical bytes. */
export interface LoggedFrame {
  frame: ServerFrame;
  text: string;
}

export class EventLog {
  #lastSeq: number;

  private constructor(
    private readonly sql: Sql,
    lastSeq: number,
  ) {
    this.#lastSeq = lastSeq;
  }

  /** Creates the table when missing and reads the last `seq`. Call inside the object's start-up gate. */
  static open(sql: Sql): EventLog {
    sql`CREATE TABLE IF NOT EXISTS session_events (
      seq INTEGER PRIMARY KEY,
      ts INTEGER NOT NULL,
      kind TEXT NOT NULL,
      body TEXT NOT NULL
    )`;
    const [row] = sql`SELECT COALESCE(MAX(seq), 0) AS last FROM session_events`;
    return new EventLog(sql, Number(row?.last ?? 0));
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Stores a frame under the next `seq` and returns it with its wire text. */
  append(frame: NewFrame, now = Date.now()): LoggedFrame {
    const full: ServerFrame = { seq: this.#lastSeq + 1, ts: now, ...frame };
    const text = JSON.stringify(full);
    this.sql`INSERT INTO session_events (seq, ts, kind, body) VALUES (${full.seq}, ${full.ts}, ${full.kind}, ${text})`;
    this.#lastSeq += 1;
    return { frame: full, text };
  }

  /** Frames with `seq` greater than `after`, oldest first, at most `limit`. */
  after(after: number, limit: number): LoggedFrame[] {
    const rows = this.sql`SELECT body FROM session_events WHERE seq > ${after} ORDER BY seq LIMIT ${limit}`;
    return rows.map((row) => {
      const text = String(row.body);
      return { frame: JSON.parse(text) as ServerFrame, text };
    });
  }
}
