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

/** A tenant slug: 2–63 lowercase letters, digits and hyphens, starting with a letter or digit. */
export const TENANT_SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;
/**
 * {@link TENANT_SLUG} as an HTML `pattern`: browsers compile it with the `v` flag, anchored, where a literal `-` in a
 * class must be escaped (unescaped, Chromium rejects the whole pattern and checks nothing).
 */
export const TENANT_SLUG_PATTERN = "[a-z0-9][a-z0-9\\-]{1,62}";
/** What {@link TENANT_SLUG} allows, in words, for the form and the API's message. */
export const TENANT_SLUG_RULE =
  "use 2 to 63 lowercase letters, digits and hyphens, starting with a letter or digit (for example acme-labs)";
