/**
 * The task object's schedule of outbound deliveries: what is due when. The delivery log users see is in Neon
 * (`webhook_deliveries`); this table only drives the object's alarm. Takes a `sql` tag, so it tests anywhere.
 */
import type { Sql } from "../budget";

export interface QueuedDelivery {
  /** The `webhook_deliveries` row id. */
  id: string;
  tenantId: string;
  endpointId: string;
  url: string;
  messageId: string;
  body: string;
  attempts: number;
  firstAttemptAt: number | null;
  nextAt: number;
}

export class DeliveryQueue {
  private constructor(private readonly sql: Sql) {}

  static open(sql: Sql): DeliveryQueue {
    sql`CREATE TABLE IF NOT EXISTS deliveries (
      id TEXT PRIMARY KEY,
      tenant_id TEXT NOT NULL,
      endpoint_id TEXT NOT NULL,
      url TEXT NOT NULL,
      message_id TEXT NOT NULL,
      body TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      first_attempt_at INTEGER,
      next_at INTEGER NOT NULL
    )`;
    return new DeliveryQueue(sql);
  }

  add(delivery: Omit<QueuedDelivery, "attempts" | "firstAttemptAt">): void {
    const d = delivery;
    this.sql`INSERT INTO deliveries (id, tenant_id, endpoint_id, url, message_id, body, next_at)
      VALUES (${d.id}, ${d.tenantId}, ${d.endpointId}, ${d.url}, ${d.messageId}, ${d.body}, ${d.nextAt})
      ON CONFLICT (id) DO UPDATE SET next_at = excluded.next_at`;
  }

  /** Deliveries due at `now`, oldest first. */
  due(now: number, limit: number): QueuedDelivery[] {
    return this.sql`SELECT * FROM deliveries WHERE next_at <= ${now} ORDER BY next_at LIMIT ${limit}`.map((r) => ({
      id: String(r.id),
      tenantId: String(r.tenant_id),
      endpointId: String(r.endpoint_id),
      url: String(r.url),
      messageId: String(r.message_id),
      body: String(r.body),
      attempts: Number(r.attempts),
      firstAttemptAt: r.first_attempt_at === null ? null : Number(r.first_attempt_at),
      nextAt: Number(r.next_at),
    }));
  }

  reschedule(id: string, attempts: number, firstAttemptAt: number, nextAt: number): void {
    this.sql`UPDATE deliveries SET attempts = ${attempts}, first_attempt_at = ${firstAttemptAt}, next_at = ${nextAt}
      WHERE id = ${id}`;
  }

  remove(id: string): void {
    this.sql`DELETE FROM deliveries WHERE id = ${id}`;
  }

  /** When the next delivery is due; null when none is queued. */
  earliest(): number | null {
    const [row] = this.sql`SELECT MIN(next_at) AS at FROM deliveries`;
    return row?.at === null || row?.at === undefined ? null : Number(row.at);
  }
}
