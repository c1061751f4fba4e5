/**
 * Line-oriented reading of a document stream: slices and regex search that stop as soon as they have what they need,
 * so a question about line 40 of a 2 GB file reads a few kilobytes. Pure over `ReadableStream`, testable in Node.
 */
import { pageOf } from "./page-marker";

/** Lines longer than this are cut before matching: a minified megabyte-long line must not stall a regex. */
const MAX_LINE_CHARS = 20_000;

/** Yields the stream's lines (without `\n`), decoding UTF-8 across chunk boundaries. */
export async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let carry = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      carry += decoder.decode(value, { stream: true });
      let nl = carry.indexOf("\n");
      while (nl !== -1) {
        yield carry.slice(0, nl).replace(/\r$/, "");
        carry = carry.slice(nl + 1);
        nl = carry.indexOf("\n");
      }
    }
    carry += decoder.decode();
    if (carry.length > 0) yield carry;
  } finally {
    await reader.cancel().catch(() => {});
  }
}

export interface LineSlice {
  /** 1-based number of the first line returned. */
  start: number;
  /** The page the first line is on, in a document read from a PDF; null elsewhere. */
  page: number | null;
  lines: string[];
  /** True when the document ended inside or before the slice. */
  reachedEnd: boolean;
}

/** Lines `start` … `start + count - 1` (1-based). */
export async function sliceLines(lines: AsyncIterable<string>, start: number, count: number): Promise<LineSlice> {
  const out: string[] = [];
  let n = 0;
  let page: number | null = null;
  for await (const line of lines) {
    n += 1;
    // A marker that opens the slice belongs to it: the page it starts is the slice's page.
    if (n <= start) page = pageOf(line.slice(0, MAX_LINE_CHARS)) ?? page;
    if (n < start) continue;
    out.push(line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}… [${line.length} chars]` : line);
    if (out.length >= count) return { start, page, lines: out, reachedEnd: false };
  }
  return { start, page, lines: out, reachedEnd: true };
}

export interface SearchMatch {
  line: number;
  /** The page the line is on, in a document read from a PDF (null elsewhere, or before the first page line). */
  page: number | null;
  text: string;
  before: string[];
  after: string[];
}

export interface SearchResult {
  matches: SearchMatch[];
  /** True when the search stopped at `maxMatches` before the end of the document. */
  truncated: boolean;
  linesScanned: number;
}

/** Every line matching `pattern`, with `context` lines either side, up to `maxMatches`. */
export async function searchLines(
  lines: AsyncIterable<string>,
  pattern: RegExp,
  options: { context: number; maxMatches: number },
): Promise<SearchResult> {
  const matches: SearchMatch[] = [];
  const recent: string[] = [];
  const waiting: SearchMatch[] = [];
  let n = 0;
  let page: number | null = null;
  for await (const raw of lines) {
    n += 1;
    const line = raw.length > MAX_LINE_CHARS ? raw.slice(0, MAX_LINE_CHARS) : raw;
    page = pageOf(line) ?? page;
    for (const m of waiting) m.after.push(line);
    while (waiting.length > 0 && (waiting[0]?.after.length ?? 0) >= options.context) waiting.shift();
    if (matches.length >= options.maxMatches) {
      if (waiting.length === 0) return { matches, truncated: true, linesScanned: n };
    } else {
      pattern.lastIndex = 0;
      if (pattern.test(line)) {
        const match: SearchMatch = { line: n, page, text: line, before: [...recent], after: [] };
        matches.push(match);
        if (options.context > 0) waiting.push(match);
      }
    }
    recent.push(line);
    if (recent.length > options.context) recent.shift();
  }
  return { matches, truncated: false, linesScanned: n };
}
