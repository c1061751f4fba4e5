/**
 * Documents: streamed upload into R2 (no buffering; size limit by plan, enforced mid-stream), list, metadata,
 * content with byte ranges, delete. Only the upload route takes a body larger than the app's JSON limit.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { and, desc, eq } from "drizzle-orm";
import { requireAuth, requireScope } from "../auth/middleware";
import { errorResponses, IdParam } from "../contracts/common";
import { DOCUMENT_EXTENSIONS } from "../contracts/constants";
import {
  Document,
  DocumentPage,
  DocumentSearchResult,
  ListDocumentsQuery,
  SearchDocumentQuery,
  UploadDocumentQuery,
} from "../contracts/documents";
import { after, exactTime, toPage } from "../db/cursor";
import { repos } from "../db/repos";
import { documents, tenants } from "../db/schema";
import { detectFormat } from "../documents/formats";
import { readLines, searchLines } from "../documents/lines";
import { originalKey, storeUpload } from "../documents/upload";
import { AppError } from "../errors";
import type { AppEnv } from "./app-env";
import { AUTHENTICATED, jsonResponse } from "./openapi";

/** Largest document per plan: a free workspace tries things out; paid ones hold real corpora. */
export const PLAN_DOCUMENT_BYTES = {
  free: 100 * 1_048_576,
  team: 5 * 1_073_741_824,
  enterprise: 50 * 1_073_741_824,
} as const;

type Row = typeof documents.$inferSelect;

function toDocument(row: Row): Document {
  return {
    id: row.id,
    name: row.name,
    contentType: row.contentType,
    bytes: row.bytes,
    sha256: row.sha256,
    status: row.status,
    createdAt: row.createdAt.toISOString(),
  };
}

function notFound(id: string): AppError {
  return new AppError("not_found", "Document not found", { details: { id } });
}

export const documentRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/documents",
      operationId: "uploadDocument",
      tags: ["documents"],
      summary: "Upload a document (the raw file as the body, streamed to storage)",
      description: `Accepted: ${DOCUMENT_EXTENSIONS.join(", ")}. Size limit by plan: free 100 MiB, team 5 GiB, enterprise 50 GiB; a PDF at most 32 MiB. HTML and PDF are stored as their text (a PDF page by page, under \`--- page N ---\` lines).`,
      security: AUTHENTICATED,
      middleware: [requireAuth(), requireScope("documents:write")],
      request: {
        query: UploadDocumentQuery,
        body: {
          required: true,
          content: { "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } },
        },
      },
      responses: {
        201: jsonResponse(Document, "Stored"),
        415: { description: "Not a supported format" },
        422: {
          description:
            "A PDF whose text cannot be trusted: `details.reason` is `not_pdf`, `damaged`, `encrypted` (needs a password), `no_text` (a scan) or `unmapped_fonts`; or an HTML page with too many elements open at once to parse (`too_deep`)",
        },
        ...errorResponses(400, 401, 403, 413),
      },
    }),
    async (c) => {
      const { name } = c.req.valid("query");
      const { tenantId } = c.var.principal;
      const body = c.req.raw.body;
      if (!body) {
        throw new AppError("validation_failed", "The request has no body: send the file's bytes", {
          details: { issues: [{ field: "body", message: "required" }] },
        });
      }
      const format = detectFormat(name, c.req.header("content-type"));
      if (!format) {
        throw new AppError(
          "unsupported_media_type",
          `Unsupported format; accepted: ${DOCUMENT_EXTENSIONS.join(", ")}`,
          {
            details: { issues: [{ field: "query.name", message: "unsupported extension" }] },
          },
        );
      }
      const [tenant] = await c.var.db.select({ plan: tenants.plan }).from(tenants).where(eq(tenants.id, tenantId));
      const maxBytes = PLAN_DOCUMENT_BYTES[tenant?.plan ?? "free"];
      const length = c.req.header("content-length");
      const declaredBytes = length && /^\d+$/.test(length) ? Number(length) : null;
      const id = crypto.randomUUID();
      const r2Key = `documents/${tenantId}/${id}`;
      await repos.documents.insert(c.var.db, tenantId, {
        id,
        name,
        contentType: format.contentType,
        r2Key,
        status: "uploading",
      });
      try {
        const stored = await storeUpload({
          bucket: c.env.DOCUMENTS,
          key: r2Key,
          body,
          declaredBytes,
          maxBytes,
          kind: format.kind,
          contentType: format.contentType,
        });
        const row = await repos.documents.update(c.var.db, tenantId, id, {
          bytes: stored.storedBytes,
          sha256: stored.sha256,
          status: "ready",
        });
        if (!row) throw notFound(id);
        return c.json(toDocument(row), 201);
      } catch (err) {
        // A refused or broken upload leaves nothing behind: no object (storeUpload deleted it) and no row.
        await repos.documents.remove(c.var.db, tenantId, id).catch(() => {});
        throw err;
      }
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/documents",
      operationId: "listDocuments",
      tags: ["documents"],
      summary: "List documents, newest first",
      security: AUTHENTICATED,
      middleware: [requireAuth(), requireScope("documents:read")],
      request: { query: ListDocumentsQuery },
      responses: { 200: jsonResponse(DocumentPage, "A page of documents"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const { tenantId } = c.var.principal;
      const rows = await c.var.db
        .select({ row: documents, at: exactTime(documents.createdAt) })
        .from(documents)
        .where(and(eq(documents.tenantId, tenantId), after(documents.createdAt, documents.id, cursor)))
        .orderBy(desc(documents.createdAt), desc(documents.id))
        .limit(limit + 1);
      const page = toPage(rows, limit);
      return c.json({ documents: page.rows.map(toDocument), nextCursor: page.nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/documents/{id}",
      operationId: "getDocument",
      tags: ["documents"],
      summary: "A document's metadata",
      security: AUTHENTICATED,
      middleware: [requireAuth(), requireScope("documents:read")],
      request: { params: IdParam },
      responses: { 200: jsonResponse(Document, "The document"), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const row = await repos.documents.get(c.var.db, c.var.principal.tenantId, id);
      if (!row) throw notFound(id);
      return c.json(toDocument(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/documents/{id}/content",
      operationId: "getDocumentContent",
      tags: ["documents"],
      summary: "A document's stored text; honours `Range: bytes=…`",
      security: AUTHENTICATED,
      middleware: [requireAuth(), requireScope("documents:read")],
      request: { params: IdParam },
      responses: {
        200: { description: "The whole text", content: { "text/plain": { schema: z.string() } } },
        206: { description: "The requested range", content: { "text/plain": { schema: z.string() } } },
        416: { description: "The range is outside the document" },
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const row = await repos.documents.get(c.var.db, c.var.principal.tenantId, id);
      if (row?.status !== "ready") throw notFound(id);
      const range = c.req.header("range");
      if (range && !/^bytes=(\d+-\d*|-\d+)$/.test(range.trim())) {
        throw new AppError("validation_failed", "Only a single byte range is supported, e.g. 'bytes=0-1023'", {
          details: { issues: [{ field: "header.range", message: "unsupported range" }] },
        });
      }
      const start = range ? Number(/^bytes=(\d+)-/.exec(range.trim())?.[1] ?? 0) : 0;
      if (range && row.bytes > 0 && start >= row.bytes) {
        return c.body(null, 416, { "content-range": `bytes */${row.bytes}` });
      }
      const object = await c.env.DOCUMENTS.get(row.r2Key, range ? { range: c.req.raw.headers } : {});
      if (!object) throw notFound(id);
      const headers = new Headers({ "content-type": object.httpMetadata?.contentType ?? "text/plain; charset=utf-8" });
      const served = object.range as { offset?: number; length?: number } | undefined;
      if (range && served) {
        const offset = served.offset ?? 0;
        const length = served.length ?? object.size - offset;
        headers.set("content-range", `bytes ${offset}-${offset + length - 1}/${object.size}`);
        headers.set("content-length", String(length));
        return new Response(object.body, { status: 206, headers });
      }
      headers.set("content-length", String(object.size));
      return new Response(object.body, { status: 200, headers });
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/documents/{id}/search",
      operationId: "searchDocument",
      tags: ["documents"],
      summary: "Search a document's text with a regular expression; matching lines with context",
      security: AUTHENTICATED,
      middleware: [requireAuth(), requireScope("documents:read")],
      request: { params: IdParam, query: SearchDocumentQuery },
      responses: { 200: jsonResponse(DocumentSearchResult, "The matches"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const q = c.req.valid("query");
      let pattern: RegExp;
      try {
        pattern = new RegExp(q.pattern, q.ignoreCase ? "i" : "");
      } catch (err) {
        throw new AppError("validation_failed", `Invalid regular expression: ${(err as Error).message}`, {
          details: { issues: [{ field: "query.pattern", message: "not a valid regular expression" }] },
        });
      }
      const row = await repos.documents.get(c.var.db, c.var.principal.tenantId, id);
      if (row?.status !== "ready") throw notFound(id);
      const object = await c.env.DOCUMENTS.get(row.r2Key);
      if (!object) throw notFound(id);
      const found = await searchLines(readLines(object.body), pattern, {
        context: q.context,
        maxMatches: q.maxMatches,
      });
      return c.json(found, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/documents/{id}/original",
      operationId: "getDocumentOriginal",
      tags: ["documents"],
      summary: "The file as it was uploaded (a download)",
      description:
        "For HTML and PDF, the uploaded file rather than its extracted text; for text formats, the same bytes as `/content`.",
      security: AUTHENTICATED,
      middleware: [requireAuth(), requireScope("documents:read")],
      request: { params: IdParam },
      responses: {
        200: {
          description: "The original file, with its content type and a `content-disposition` file name",
          content: { "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } },
        },
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const row = await repos.documents.get(c.var.db, c.var.principal.tenantId, id);
      if (row?.status !== "ready") throw notFound(id);
      const extracted = detectFormat(row.name, row.contentType)?.kind;
      const asText = extracted === "html" || extracted === "pdf";
      const object = await c.env.DOCUMENTS.get(asText ? originalKey(row.r2Key) : row.r2Key);
      if (!object) {
        throw new AppError("not_found", "Only the extracted text of this document was kept (it predates originals)", {
          details: { id },
        });
      }
      const fileName = row.name.replace(/["\\\r\n]/g, "_");
      return new Response(object.body, {
        status: 200,
        headers: {
          "content-type": row.contentType,
          "content-length": String(object.size),
          "content-disposition": `attachment; filename="${fileName}"; filename*=UTF-8''${encodeURIComponent(row.name)}`,
        },
      });
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/documents/{id}",
      operationId: "deleteDocument",
      tags: ["documents"],
      summary: "Delete a document and its stored bytes",
      security: AUTHENTICATED,
      middleware: [requireAuth(), requireScope("documents:write")],
      request: { params: IdParam },
      responses: { 204: { description: "Deleted" }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { tenantId } = c.var.principal;
      const row = await repos.documents.get(c.var.db, tenantId, id);
      if (!row) throw notFound(id);
      await c.env.DOCUMENTS.delete([row.r2Key, originalKey(row.r2Key)]);
      await repos.documents.remove(c.var.db, tenantId, id);
      return c.body(null, 204);
    },
  );
