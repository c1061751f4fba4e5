/** HTML to text inside workerd (HTMLRewriter exists only there): character references and chunk boundaries. */
import { describe, expect, it } from "vitest";
import { htmlToText } from "./html-text";

/** Streams `parts` as separate chunks, so references can be cut where a network read would cut them. */
function chunked(parts: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(encoder.encode(part));
      controller.close();
    },
  });
}

const textOf = (parts: string[]) => new Response(htmlToText(chunked(parts))).text();

describe("htmlToText", () => {
  it("decodes every named reference, legacy ones without ';', and numeric ones", async () => {
    const text = await textOf([
      "<p>Caf&eacute; &mdash; it&rsquo;s &hellip; &copy 2026 &frac12; &NotEqualTilde; &#233; &#x2713; AT&T &amp;c</p>",
    ]);
    expect(text).toBe("\nCafé — it’s … © 2026 ½ ≂̸ é ✓ AT&T &c");
  });

  it("decodes references cut between chunks, and never holds text behind an '&' that starts none", async () => {
    expect(await textOf(["<p>na&iuml", "ve caf&e", "acute; &#x27", "13;</p>"])).toBe("\nnaïve café ✓");
    const long = "x".repeat(10_000);
    expect(await textOf(["<p>R&D ", long, " done</p>"])).toBe(`\nR&D ${long} done`);
  });

  it("turns no-break spaces into spaces", async () => {
    expect(await textOf(["<p>Line&nbsp;two&#160;three</p>"])).toBe("\nLine two three");
  });
});
