/**
 * Documents: streamed upload with progress, list, a preview of the first lines (a Range request, so a 100 MB file
 * costs the browser a few kilobytes), delete.
 */
import { ApiError, api, authHeaders, downloadFile, toApiError } from "./client";
import type { Document } from "./types";

/** A stored document as the documents API returns it. */
export type DocumentInfo = Document;

/** All of the tenant's documents, newest first (every page). */
export async function listDocuments(): Promise<DocumentInfo[]> {
  const all: DocumentInfo[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const page = await api<{ documents: DocumentInfo[]; nextCursor: string | null }>(`/v1/documents?limit=200${query}`);
    all.push(...page.documents);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

/** Deletes a document. */
export function deleteDocument(id: string): Promise<void> {
  return api<void>(`/v1/documents/${id}`, { method: "DELETE" });
}

/** How many bytes a preview reads: enough for a screenful of lines. */
const PREVIEW_BYTES = 8_192;

/** The first lines of a document (at most {@link PREVIEW_BYTES}), decoded leniently; a cut last line is dropped. */
export async function previewDocument(id: string, maxLines = 20): Promise<{ lines: string[]; truncated: boolean }> {
  const res = await fetch(`/v1/documents/${id}/content`, {
    headers: { ...authHeaders(), range: `bytes=0-${PREVIEW_BYTES - 1}` },
    credentials: "same-origin",
  });
  if (!res.ok) throw await toApiError(res);
  const buffer = await res.arrayBuffer();
  const text = new TextDecoder("utf-8", { fatal: false }).decode(buffer);
  const partial = res.status === 206 || buffer.byteLength >= PREVIEW_BYTES;
  const lines = text.split("\n");
  if (partial && lines.length > 1) lines.pop();
  return { lines: lines.slice(0, maxLines), truncated: partial || lines.length > maxLines };
}

/** An upload in flight: its result and a way to abort it. */
export interface Upload {
  done: Promise<DocumentInfo>;
  abort(): void;
}

/**
 * Uploads a file as the raw request body. XMLHttpRequest rather than fetch: only it reports upload progress, and the
 * browser streams a File body from disk without reading it into memory.
 */
export function uploadDocument(file: File, onProgress: (sent: number, total: number) => void): Upload {
  const xhr = new XMLHttpRequest();
  const done = new Promise<DocumentInfo>((resolve, reject) => {
    xhr.open("POST", `/v1/documents?name=${encodeURIComponent(file.name)}`);
    for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader("content-type", file.type || "application/octet-stream");
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(JSON.parse(xhr.responseText) as DocumentInfo);
        return;
      }
      void toApiError(new Response(xhr.responseText, { status: xhr.status })).then(reject);
    };
    xhr.onerror = () => reject(new ApiError(0, "network_error", "The upload was interrupted; check the connection"));
    xhr.onabort = () => reject(new ApiError(0, "aborted", "The upload was cancelled"));
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}

/** Saves the file as it was uploaded (for HTML and PDF, not the extracted text the readers use). */
export function downloadOriginal(doc: { id: string; name: string }): Promise<void> {
  return downloadFile(`/v1/documents/${doc.id}/original`, doc.name);
}
