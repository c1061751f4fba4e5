/**
 * The feedback dataset: every annotated run of a tenant as one JSON line (query, where its context came from, the
 * answer given, the expected answer, the score), streamed page by page so the export never holds it all in memory.
 */
import type { ContextReference, FeedbackDatasetRow } from "../contracts/trace";
import { type DbEnv, type DbHandle, openDb } from "../db/client";
import { type AnnotatedRun, annotatedRunsPage } from "../db/queries/feedback";
import { inlineContextKey } from "../documents/context-key";

/** Rows per database round trip: small enough to start streaming at once, large enough to keep trips few. */
const PAGE_ROWS = 200;

/**
 * Where a run's context can be found again. The task that started the tree knows its documents or its stored inline
 * context; a chat turn's context is the session; a standalone RLM run's inline context is stored under its root id.
 */
export function contextReference(tenantId: string, row: AnnotatedRun): ContextReference {
  if (row.taskDocuments && row.taskDocuments.length > 0) return { kind: "documents", documentIds: row.taskDocuments };
  if (row.taskContextKey) return { kind: "inline", key: row.taskContextKey };
  if (row.sessionId) return { kind: "session", sessionId: row.sessionId, turnId: row.turnId };
  if (row.kind === "rlm") return { kind: "inline", key: inlineContextKey(tenantId, row.rootRunId ?? row.runId) };
  return { kind: "none" };
}

/** The dataset line of one annotated run. */
export function datasetRow(tenantId: string, row: AnnotatedRun): FeedbackDatasetRow {
  return {
    runId: row.runId,
    query: row.query,
    context: contextReference(tenantId, row),
    answer: row.answer,
    expectedAnswer: row.expectedAnswer,
    score: row.score,
    comment: row.comment,
    createdAt: row.createdAt.toISOString(),
  };
}

/**
 * A JSONL stream of the tenant's annotated runs. It opens its own database handle, because it outlives the request
 * handler that returns it (and with it the request's handle).
 */
export function feedbackDataset(env: DbEnv, tenantId: string): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let handle: DbHandle | null = null;
  let after: string | null = null;
  const close = async () => {
    await handle?.close().catch(() => {});
    handle = null;
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        handle ??= openDb(env);
        const page = await annotatedRunsPage(handle.db, tenantId, after, PAGE_ROWS);
        if (page.length > 0) {
          after = page[page.length - 1]?.feedbackId ?? after;
          const lines = page.map((row) => `${JSON.stringify(datasetRow(tenantId, row))}\n`).join("");
          controller.enqueue(encoder.encode(lines));
        }
        if (page.length < PAGE_ROWS) {
          await close();
          controller.close();
        }
      } catch (err) {
        await close();
        controller.error(err);
      }
    },
    cancel: close,
  });
}
