/**
 * The small durable state of a chat session besides its event log: the turn in progress (so a restarted object can
 * close it), the session's sandbox (to re-attach across turns), and the agent's core memory.
 */
import type { Sql } from "../budget";

/** The turn a session is running; stored so a restart can tell that a turn was interrupted. */
export interface ActiveTurn {
  turnId: string;
  runId: string;
  tenantId: string;
  startedAt: number;
}

/** Where the session's own sandbox and REPL live, to re-attach to them on the next turn. */
export interface SessionSandbox {
  sandboxId: string;
  secret: string;
}

type Key = "active_turn" | "sandbox" | "memory" | "owner";

export class SessionState {
  private constructor(private readonly sql: Sql) {}

  /** Creates the table when missing. Call inside the object's start-up gate. */
  static open(sql: Sql): SessionState {
    sql`CREATE TABLE IF NOT EXISTS session_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)`;
    return new SessionState(sql);
  }

  get activeTurn(): ActiveTurn | null {
    return this.#get<ActiveTurn>("active_turn");
  }

  set activeTurn(turn: ActiveTurn | null) {
    this.#set("active_turn", turn);
  }

  get sandbox(): SessionSandbox | null {
    return this.#get<SessionSandbox>("sandbox");
  }

  set sandbox(sandbox: SessionSandbox | null) {
    this.#set("sandbox", sandbox);
  }

  get memory(): Record<string, string> | null {
    return this.#get<Record<string, string>>("memory");
  }

  set memory(blocks: Record<string, string> | null) {
    this.#set("memory", blocks);
  }

  /** The tenant and session this object serves, fixed by the first authenticated request. */
  get owner(): { tenantId: string; sessionId: string } | null {
    return this.#get("owner");
  }

  set owner(owner: { tenantId: string; sessionId: string } | null) {
    this.#set("owner", owner);
  }

  #get<T>(key: Key): T | null {
    const [row] = this.sql`SELECT value FROM session_state WHERE key = ${key}`;
    return row ? (JSON.parse(String(row.value)) as T) : null;
  }

  #set(key: Key, value: unknown): void {
    if (value === null) this.sql`DELETE FROM session_state WHERE key = ${key}`;
    else {
      const text = JSON.stringify(value);
      this.sql`INSERT INTO session_state (key, value) VALUES (${key}, ${text})
        ON CONFLICT (key) DO UPDATE SET value = excluded.value`;
    }
  }
}
