/**
 * Documents as the agent and the RLM engine read them: metadata from Neon (tenant-scoped), bytes streamed from R2.
 * Uploading, extraction and deletion live in the documents routes.
 */
import { and, desc, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client";
import { documents } from "../db/schema";

export interface DocumentInfo {
  id: string;
  name: string;
  bytes: number;
  contentType: string;
}

export interface DocumentStore {
  /** The tenant's ready documents, newest first. */
  list(limit: number): Promise<DocumentInfo[]>;
  /** The named documents that exist and are ready, in the order asked; unknown ids are left out. */
  find(ids: readonly string[]): Promise<DocumentInfo[]>;
  /** The document's text as a stream; null when it is gone. */
  open(id: string): Promise<ReadableStream<Uint8Array> | null>;
}

/** A store over one tenant's rows and the R2 bucket that holds their bytes. */
export function documentStore(deps: { db: () => Db; bucket: R2Bucket; tenantId: string }): DocumentStore {
  const { tenantId } = deps;
  const columns = {
    id: documents.id,
    name: documents.name,
    bytes: documents.bytes,
    contentType: documents.contentType,
    r2Key: documents.r2Key,
  };
  const ready = and(eq(documents.tenantId, tenantId), eq(documents.status, "ready"));
  const info = ({ r2Key: _, ...rest }: DocumentInfo & { r2Key: string }): DocumentInfo => rest;
  return {
    async list(limit) {
      const rows = await deps
        .db()
        .select(columns)
        .from(documents)
        .where(ready)
        .orderBy(desc(documents.createdAt))
        .limit(limit);
      return rows.map(info);
    },
    async find(ids) {
      if (ids.length === 0) return [];
      const rows = await deps
        .db()
        .select(columns)
        .from(documents)
        .where(and(ready, inArray(documents.id, [...ids])));
      const byId = new Map(rows.map((r) => [r.id, info(r)]));
      return ids.flatMap((id) => byId.get(id) ?? []);
    },
    async open(id) {
      const [row] = await deps
        .db()
        .select(columns)
        .from(documents)
        .where(and(ready, eq(documents.id, id)));
      if (!row) return null;
      const object = await deps.bucket.get(row.r2Key);
      return object?.body ?? null;
    },
  };
}
