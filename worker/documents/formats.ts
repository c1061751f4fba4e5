/**
 * Which uploads are accepted and how each is read: plain text formats are stored as they are, JSON is loaded as JSON
 * by the RLM, HTML and PDF are reduced to their text (a PDF is refused with the reason when its text cannot be
 * trusted: see `pdf/index.ts`).
 */

import { DOCUMENT_EXTENSIONS, type DocumentExtension } from "../contracts/constants";

export type DocumentKind = "text" | "json" | "html" | "pdf";

interface Format {
  kind: DocumentKind;
  contentType: string;
}

const BY_EXTENSION: Record<DocumentExtension, Format> = {
  txt: { kind: "text", contentType: "text/plain" },
  text: { kind: "text", contentType: "text/plain" },
  log: { kind: "text", contentType: "text/plain" },
  md: { kind: "text", contentType: "text/markdown" },
  markdown: { kind: "text", contentType: "text/markdown" },
  csv: { kind: "text", contentType: "text/csv" },
  tsv: { kind: "text", contentType: "text/tab-separated-values" },
  jsonl: { kind: "text", contentType: "application/jsonl" },
  ndjson: { kind: "text", contentType: "application/jsonl" },
  json: { kind: "json", contentType: "application/json" },
  html: { kind: "html", contentType: "text/html" },
  htm: { kind: "html", contentType: "text/html" },
  pdf: { kind: "pdf", contentType: "application/pdf" },
};

const BY_TYPE: Record<string, Format> = {
  "text/plain": BY_EXTENSION.txt,
  "text/markdown": BY_EXTENSION.md,
  "text/csv": BY_EXTENSION.csv,
  "application/json": BY_EXTENSION.json,
  "application/jsonl": BY_EXTENSION.jsonl,
  "application/x-ndjson": BY_EXTENSION.jsonl,
  "text/html": BY_EXTENSION.html,
  "application/pdf": BY_EXTENSION.pdf,
};

function isAccepted(ext: string): ext is DocumentExtension {
  return (DOCUMENT_EXTENSIONS as readonly string[]).includes(ext);
}

/** The format of an upload from its file name, else its declared type; null when it is not accepted. */
export function detectFormat(name: string, declaredType: string | undefined): Format | null {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  if (ext && isAccepted(ext)) return BY_EXTENSION[ext];
  const type = declaredType?.split(";")[0]?.trim().toLowerCase();
  return (type && BY_TYPE[type]) || null;
}
