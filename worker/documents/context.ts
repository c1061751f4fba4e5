/** Documents as an RLM context: one document streams as itself; several stream one after another under headers. */
import type { DocumentInfo, DocumentStore } from "./store";

/** Streams several documents one after another, each under a header naming it, as one text context. */
export function concatenatedDocuments(store: DocumentStore, docs: readonly DocumentInfo[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let index = 0;
  let current: ReadableStreamDefaultReader<Uint8Array> | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (!current) {
          const doc = docs[index++];
          if (!doc) return controller.close();
          const body = await store.open(doc.id);
          if (!body) throw new Error(`Document ${doc.id} disappeared while it was being read`);
          controller.enqueue(encoder.encode(`${index > 1 ? "\n" : ""}=== ${doc.name} (${doc.id}) ===\n`));
          current = body.getReader();
        }
        const { done, value } = await current.read();
        if (!done) return controller.enqueue(value);
        current = null;
      }
    },
    async cancel(reason) {
      await current?.cancel(reason);
    },
  });
}

export type DocumentsContext =
  | { status: "ok"; stream: ReadableStream<Uint8Array>; format: "text" | "json" }
  | { status: "missing"; ids: string[] };

/** The context for `ids`, or which of them do not exist (or are not ready) for this tenant. */
export async function documentsContext(store: DocumentStore, ids: readonly string[]): Promise<DocumentsContext> {
  const docs = await store.find(ids);
  const missing = ids.filter((id) => !docs.some((d) => d.id === id));
  if (missing.length > 0) return { status: "missing", ids: missing };
  const [only] = docs;
  if (docs.length === 1 && only) {
    const stream = await store.open(only.id);
    if (!stream) return { status: "missing", ids: [only.id] };
    return { status: "ok", stream, format: only.contentType.includes("json") ? "json" : "text" };
  }
  return { status: "ok", stream: concatenatedDocuments(store, docs), format: "text" };
}
