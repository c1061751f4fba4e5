/** Chat sessions and their turns: the queries the sessions routes and the session object need, tenant-scoped. */
import { and, asc, desc, eq, ilike, sql } from "drizzle-orm";
import type { Db } from "../client";
import { after, exactTime, toPage } from "../cursor";
import { runs, sessions, turns, type Usage } from "../schema";

/** Turns of history the agent sees: the Python original keeps six; a few more help follow-up questions. */
export const HISTORY_TURNS = 10;
const DEFAULT_TITLE = "New session";
/** A session titled from its first message shows this many characters of it. */
const TITLE_CHARS = 60;

export type SessionRow = typeof sessions.$inferSelect;

/** A page of sessions, most recently active first. Throws a 400 for a cursor that is not ours. */
export async function listSessions(
  db: Db,
  tenantId: string,
  options: { q?: string; status: "active" | "archived"; limit: number; cursor?: string },
): Promise<{ rows: SessionRow[]; nextCursor: string | null }> {
  const conditions = [
    eq(sessions.tenantId, tenantId),
    eq(sessions.status, options.status),
    options.q ? ilike(sessions.title, `%${options.q.replace(/[\\%_]/g, "\\$&")}%`) : undefined,
    after(sessions.updatedAt, sessions.id, options.cursor),
  ];
  const rows = await db
    .select({ row: sessions, at: exactTime(sessions.updatedAt) })
    .from(sessions)
    .where(and(...conditions))
    .orderBy(desc(sessions.updatedAt), desc(sessions.id))
    .limit(options.limit + 1);
  return toPage(rows, options.limit);
}

export type TurnWithRun = typeof turns.$inferSelect & { runId: string | null };

/** A session's turns, oldest first, each with the id of its agent run. */
export async function listTurns(db: Db, tenantId: string, sessionId: string): Promise<TurnWithRun[]> {
  const rows = await db
    .select({ turn: turns, runId: runs.id })
    .from(turns)
    .leftJoin(runs, and(eq(runs.turnId, turns.id), eq(runs.kind, "agent"), eq(runs.tenantId, tenantId)))
    .where(and(eq(turns.tenantId, tenantId), eq(turns.sessionId, sessionId)))
    .orderBy(asc(turns.index));
  return rows.map((r) => ({ ...r.turn, runId: r.runId }));
}

/** The last completed turns as the agent's history, oldest first. */
export async function recentHistory(
  db: Db,
  tenantId: string,
  sessionId: string,
  limit = HISTORY_TURNS,
): Promise<Array<{ userMessage: string; answer: string }>> {
  const rows = await db
    .select({ userMessage: turns.userMessage, answer: turns.answer })
    .from(turns)
    .where(and(eq(turns.tenantId, tenantId), eq(turns.sessionId, sessionId), eq(turns.status, "completed")))
    .orderBy(desc(turns.index))
    .limit(limit);
  return rows.reverse().map((r) => ({ userMessage: r.userMessage, answer: r.answer ?? "" }));
}

/**
 * Records a new turn and its agent run, and touches the session (titling it from its first message). The turn's
 * index is the next free one; a session runs one turn at a time, so there is no race for it.
 */
export async function startTurn(
  db: Db,
  input: { tenantId: string; sessionId: string; turnId: string; runId: string; userMessage: string },
): Promise<{ index: number }> {
  const { tenantId, sessionId } = input;
  const [turn] = await db
    .insert(turns)
    .values({
      id: input.turnId,
      tenantId,
      sessionId,
      index: sql`(SELECT COALESCE(MAX(${turns.index}), -1) + 1 FROM ${turns} WHERE ${turns.sessionId} = ${sessionId})`,
      userMessage: input.userMessage,
      status: "running",
    })
    .returning({ index: turns.index });
  await db.insert(runs).values({
    id: input.runId,
    tenantId,
    sessionId,
    turnId: input.turnId,
    rootRunId: input.runId,
    kind: "agent",
    status: "running",
    query: input.userMessage,
    startedAt: new Date(),
  });
  const title = input.userMessage.replace(/\s+/g, " ").trim().slice(0, TITLE_CHARS);
  await db
    .update(sessions)
    .set({
      updatedAt: new Date(),
      title: sql`CASE WHEN ${sessions.title} = ${DEFAULT_TITLE} THEN ${title} ELSE ${sessions.title} END`,
    })
    .where(and(eq(sessions.tenantId, tenantId), eq(sessions.id, sessionId)));
  return { index: turn?.index ?? 0 };
}

/** Closes a turn with its outcome. */
export async function finishTurn(
  db: Db,
  tenantId: string,
  turnId: string,
  end: {
    status: "completed" | "failed" | "cancelled";
    answer: string | null;
    usage: Usage;
    error: { code: string; message: string } | null;
  },
): Promise<void> {
  await db
    .update(turns)
    .set({ ...end, completedAt: new Date() })
    .where(and(eq(turns.tenantId, tenantId), eq(turns.id, turnId)));
}
