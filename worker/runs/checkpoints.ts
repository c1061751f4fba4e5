/**
 * Run checkpoints in the host object's SQLite storage, through a `sql` tag so the store tests in plain Node. A
 * checkpoint (the engine's state as JSON) and the REPL's pickled variables are kept as text chunks: a SQLite row in a
 * Durable Object holds at most 2 MB, and a long history or a large namespace can pass that.
 */
import type { Sql } from "../budget";
import type { CheckpointPort, RunCheckpoint } from "../rlm";

/** Characters per stored chunk: well under the 2 MB row limit, few rows for a typical checkpoint. */
const CHUNK_CHARS = 512 * 1024;

/** Creates the tables once; cheap when they exist. */
export function migrateCheckpoints(sql: Sql): void {
  sql`CREATE TABLE IF NOT EXISTS run_checkpoint_chunks (
    run_id TEXT NOT NULL, part TEXT NOT NULL, idx INTEGER NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (run_id, part, idx)
  )`;
}

/** The checkpoint port of one host object. `transaction` makes a save all-or-nothing (the DO's `transactionSync`). */
export function sqlCheckpoints(sql: Sql, transaction: (fn: () => void) => void = (fn) => fn()): CheckpointPort {
  const write = (runId: string, part: "state" | "vars", text: string) => {
    sql`DELETE FROM run_checkpoint_chunks WHERE run_id = ${runId} AND part = ${part}`;
    for (let i = 0, idx = 0; i < text.length || idx === 0; i += CHUNK_CHARS, idx++) {
      sql`INSERT INTO run_checkpoint_chunks (run_id, part, idx, data)
        VALUES (${runId}, ${part}, ${idx}, ${text.slice(i, i + CHUNK_CHARS)})`;
    }
  };
  const read = (runId: string, part: "state" | "vars"): string | null => {
    const rows = sql`SELECT data FROM run_checkpoint_chunks WHERE run_id = ${runId} AND part = ${part} ORDER BY idx`;
    return rows.length === 0 ? null : rows.map((r) => String(r.data)).join("");
  };
  return {
    async load(runId) {
      const state = read(runId, "state");
      if (state === null) return null;
      // SAFETY: written by `save` below from a RunCheckpoint, in this object's own storage.
      const checkpoint = JSON.parse(state) as RunCheckpoint;
      const vars = read(runId, "vars");
      return { checkpoint, variables: vars === null ? null : fromBase64(vars) };
    },
    async save(runId, checkpoint, variables) {
      const state = JSON.stringify(checkpoint);
      const vars = variables ? toBase64(variables) : null;
      transaction(() => {
        write(runId, "state", state);
        if (vars !== null) write(runId, "vars", vars);
      });
    },
  };
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  // Chunked: String.fromCharCode takes its arguments on the stack.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
