import { describe, expect, it } from "vitest";
import { readLines, searchLines, sliceLines } from "./lines";
import { pageMarker } from "./page-marker";

/** A stream that splits its text at awkward places, including inside a multi-byte character. */
function chunked(text: string, size: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
}

const doc = Array.from({ length: 50 }, (_, i) => `line ${i + 1} ${i % 10 === 6 ? "NEEDLE é" : "hay"}`).join("\r\n");

describe("document lines", () => {
  it("splits lines across chunk boundaries and multi-byte characters", async () => {
    const lines: string[] = [];
    for await (const line of readLines(chunked(doc, 7))) lines.push(line);
    expect(lines).toHaveLength(50);
    expect(lines[6]).toBe("line 7 NEEDLE é");
  });

  it("slices by 1-based line numbers and says when the document ended", async () => {
    expect(await sliceLines(readLines(chunked(doc, 5)), 49, 10)).toEqual({
      start: 49,
      page: null,
      lines: ["line 49 hay", "line 50 hay"],
      reachedEnd: true,
    });
    const middle = await sliceLines(readLines(chunked(doc, 64)), 10, 2);
    expect(middle).toEqual({ start: 10, page: null, lines: ["line 10 hay", "line 11 hay"], reachedEnd: false });
  });

  it("finds matches with context and stops at the match limit", async () => {
    const all = await searchLines(readLines(chunked(doc, 13)), /needle/i, { context: 1, maxMatches: 10 });
    expect(all.matches.map((m) => m.line)).toEqual([7, 17, 27, 37, 47]);
    expect(all.matches[0]).toEqual({
      line: 7,
      page: null,
      text: "line 7 NEEDLE é",
      before: ["line 6 hay"],
      after: ["line 8 hay"],
    });
    expect(all.truncated).toBe(false);
    const two = await searchLines(readLines(chunked(doc, 13)), /needle/i, { context: 2, maxMatches: 2 });
    expect(two.matches.map((m) => m.line)).toEqual([7, 17]);
    expect(two.matches[1]?.after).toEqual(["line 18 hay", "line 19 hay"]);
    expect(two.truncated).toBe(true);
    expect(two.linesScanned).toBeLessThan(50);
  });

  it("says which page a match or a slice is on in a document read from a PDF", async () => {
    const pdfText = [pageMarker(1), "intro", pageMarker(2), "the NEEDLE", "more", pageMarker(3), "NEEDLE again"].join(
      "\n",
    );
    const found = await searchLines(readLines(chunked(pdfText, 9)), /needle/i, { context: 0, maxMatches: 10 });
    expect(found.matches.map((m) => [m.line, m.page])).toEqual([
      [4, 2],
      [7, 3],
    ]);
    expect((await sliceLines(readLines(chunked(pdfText, 9)), 5, 2)).page).toBe(2);
    expect((await sliceLines(readLines(chunked(pdfText, 9)), 6, 2)).page).toBe(3);
  });
});
