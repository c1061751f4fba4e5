/**
 * Single-use WebSocket tickets, stored hashed; consuming one is a single atomic UPDATE. A ticket carries the scopes and
 * the credential of whoever asked for it, so the socket it opens is held to them.
 */
import { and, eq, gt, isNotNull, isNull, lt, or } from "drizzle-orm";
import { randomBase62, sha256Hex } from "../../auth/api-key-format";
import type { Db } from "../client";
import { wsTickets } from "../schema";

/** Sixty seconds: enough for a page to open its socket, too short to be worth stealing. */
export const WS_TICKET_TTL_MS = 60_000;

/** Issues a ticket for one session; returns the ticket text, which is never stored. */
export async function issueWsTicket(
  db: Db,
  owner: { tenantId: string; userId: string | null; sessionId: string; scopes: string[]; credential: string },
  now = Date.now(),
): Promise<{ ticket: string; expiresAt: Date }> {
  const ticket = `wst_${randomBase62(40)}`;
  const expiresAt = new Date(now + WS_TICKET_TTL_MS);
  // Old tickets are swept here rather than by a job: issuing is rare and the table stays tiny.
  await db.delete(wsTickets).where(or(lt(wsTickets.expiresAt, new Date(now)), isNotNull(wsTickets.usedAt)));
  await db.insert(wsTickets).values({ hash: await sha256Hex(ticket), ...owner, expiresAt });
  return { ticket, expiresAt };
}

/** Who a consumed ticket was issued to. */
export interface TicketOwner {
  tenantId: string;
  userId: string | null;
  scopes: string[];
  credential: string;
}

/** Consumes a ticket for `sessionId`; null when unknown, used, expired or for another session. */
export async function consumeWsTicket(db: Db, ticket: string, sessionId: string): Promise<TicketOwner | null> {
  const [row] = await db
    .update(wsTickets)
    .set({ usedAt: new Date() })
    .where(
      and(
        eq(wsTickets.hash, await sha256Hex(ticket)),
        eq(wsTickets.sessionId, sessionId),
        isNull(wsTickets.usedAt),
        gt(wsTickets.expiresAt, new Date()),
      ),
    )
    .returning({
      tenantId: wsTickets.tenantId,
      userId: wsTickets.userId,
      scopes: wsTickets.scopes,
      credential: wsTickets.credential,
    });
  return row ?? null;
}
