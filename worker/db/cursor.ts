/**
 * Keyset paging for lists sorted newest first by (timestamp, id): the cursor is the last row's pair, opaque to
 * clients. Stable while rows are added, unlike offsets.
 */
import { and, eq, lt, or, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { AppError } from "../errors";
import { isUuid } from "./scoped";

export interface Cursor {
  at: Date;
  id: string;
}

export function encodeCursor(at: Date, id: string): string {
  return btoa(`${at.toISOString()}|${id}`);
}

/** The cursor's position; throws a 400 naming `query.cursor` when it is not one of ours. */
export function decodeCursor(cursor: string): Cursor {
  let decoded: string[] = [];
  try {
    decoded = atob(cursor).split("|");
  } catch {
    // Not base64: reported below like any other foreign cursor.
  }
  const [at, id] = decoded;
  const time = new Date(at ?? "");
  if (Number.isNaN(time.getTime()) || !id || !isUuid(id)) {
    throw new AppError("validation_failed", "The cursor is not valid", {
      details: { issues: [{ field: "query.cursor", message: "not a cursor from this API" }] },
    });
  }
  return { at: time, id };
}

/** Rows after `cursor` in (time desc, id desc) order; undefined (no filter) without a cursor. */
export function after(time: PgColumn, id: PgColumn, cursor: string | undefined): SQL | undefined {
  if (!cursor) return undefined;
  const position = decodeCursor(cursor);
  return or(lt(time, position.at), and(eq(time, position.at), lt(id, position.id)));
}

/** Cuts a `limit + 1` query result to a page and the cursor of the next one. */
export function toPage<T>(rows: T[], limit: number, key: (row: T) => Cursor): { rows: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  if (rows.length <= limit || !last) return { rows: page, nextCursor: null };
  const position = key(last);
  return { rows: page, nextCursor: encodeCursor(position.at, position.id) };
}
