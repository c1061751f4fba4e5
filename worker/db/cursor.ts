/**
 * Keyset paging for lists sorted newest first by (timestamp, id): the cursor is the last row's pair, opaque to
 * clients. Stable while rows are added, unlike offsets.
 *
 * The timestamp is carried as Postgres' own text with microseconds, never as a JS `Date`: `timestamptz` keeps
 * microseconds and a `Date` only milliseconds, so a truncated position would skip the rows created later in the
 * same millisecond (issue #25).
 */
import { type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { AppError } from "../errors";
import { isUuid } from "./scoped";

/** A position in a list: a row's exact timestamp (UTC, ISO 8601 with microseconds) and its id. */
export interface Cursor {
  at: string;
  id: string;
}

/** A listed row with its exact position, as `select({ row: table, at: exactTime(column) })` returns it. */
export interface Positioned<T> {
  row: T;
  at: string;
}

/**
 * Years 0001–9999 with up to six fractional digits: what {@link exactTime} writes for any real row (and the
 * millisecond cursors given out before it), and all within Postgres' range, so a forged cursor cannot fail a query.
 */
const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

/** The column's exact value as text: `2026-11-25T10:00:00.123456Z`, whatever the session's time zone or DateStyle. */
export function exactTime(column: PgColumn): SQL<string> {
  return sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

function encodeCursor(at: string, id: string): string {
  return btoa(`${at}|${id}`);
}

/** A real calendar time: the pattern, a year from 1 (Postgres has no year 0), and no 30 February or 25:00. */
function isCursorTime(at: string): boolean {
  if (!CURSOR_TIME.test(at) || at.startsWith("0000")) return false;
  const seconds = at.slice(0, 19);
  const parsed = new Date(`${seconds}Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 19) === seconds;
}

/** The cursor's position; throws a 400 naming `query.cursor` when it is not one of ours. */
export function decodeCursor(cursor: string): Cursor {
  let decoded: string[] = [];
  try {
    decoded = atob(cursor).split("|");
  } catch {
    // Not base64: reported below like any other foreign cursor.
  }
  const [at, id, ...rest] = decoded;
  if (!at || !isCursorTime(at) || !id || !isUuid(id) || rest.length > 0) {
    throw new AppError("validation_failed", "The cursor is not valid", {
      details: { issues: [{ field: "query.cursor", message: "not a cursor from this API" }] },
    });
  }
  return { at, id };
}

/** Rows after `cursor` in (time desc, id desc) order; undefined (no filter) without a cursor. */
export function after(time: PgColumn, id: PgColumn, cursor: string | undefined): SQL | undefined {
  if (!cursor) return undefined;
  const position = decodeCursor(cursor);
  // A row comparison, exact to the microsecond, that the (tenant, time) indexes serve.
  return sql`(${time}, ${id}) < (${position.at}::timestamptz, ${position.id}::uuid)`;
}

/** Cuts a `limit + 1` query result to a page and the cursor of the next one. */
export function toPage<T extends { id: string }>(
  rows: Array<Positioned<T>>,
  limit: number,
): { rows: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const nextCursor = rows.length > limit && last ? encodeCursor(last.at, last.row.id) : null;
  return { rows: page.map((positioned) => positioned.row), nextCursor };
}
