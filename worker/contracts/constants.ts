/**
 * Plain values the contracts share with the SPA. This module imports nothing, zod least of all: the SPA imports
 * values from here (types from anywhere in `worker/contracts`), and `dev/bundle-size.ts` fails the build if zod
 * reaches the browser bundle.
 */

/** File extensions an upload may have (or send the matching content type); the server maps each to a reader. */
export const DOCUMENT_EXTENSIONS = [
  "txt",
  "text",
  "log",
  "md",
  "markdown",
  "csv",
  "tsv",
  "jsonl",
  "ndjson",
  "json",
  "html",
  "htm",
  "pdf",
] as const;
/** One of {@link DOCUMENT_EXTENSIONS}. */
export type DocumentExtension = (typeof DOCUMENT_EXTENSIONS)[number];
