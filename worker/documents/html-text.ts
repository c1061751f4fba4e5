/**
 * HTML to plain text, streamed through the runtime's HTMLRewriter so a large page never sits in memory whole:
 * script, style and template contents are dropped, block elements become line breaks, character references are
 * decoded as the HTML standard says (every named reference, legacy ones without `;`, numeric ones) by `entities`.
 */
import { DecodingMode, decodeHTML } from "entities/decode";
import { AppError } from "../errors";

const SKIPPED = "script, style, noscript, template, head > title";
const BLOCKS = "p, div, br, li, tr, h1, h2, h3, h4, h5, h6, section, article, header, footer, pre, blockquote, table";

/**
 * The longest a character reference can be (`&CounterClockwiseContourIntegral;` is 33 characters): text after an
 * `&` is held back for the next chunk only this far, so an `&` that starts no reference never holds the stream.
 */
const MAX_REFERENCE = 40;

/** Decodes the character references of text content; no-break spaces become spaces, as a reader would copy them. */
export function decodeEntities(text: string): string {
  return decodeHTML(text, DecodingMode.Legacy).replaceAll("\u00a0", " ");
}

/**
 * The rewriter (lol-html) keeps every open element and fails past its memory limit, which a page reaches at some
 * 20,000 elements open at once (nested, or left unclosed). It reports this only as a `TypeError` whose message says
 * so, so the message is the one signal there is; anything else stays an internal error.
 */
function asUnreadable(err: unknown): unknown {
  if (!(err instanceof TypeError) || !/Parser error: .*memory limit/i.test(err.message)) return err;
  return new AppError(
    "document_unreadable",
    "The HTML has too many elements open at once (nested, or never closed) to be read; upload its text instead",
    { details: { reason: "too_deep" }, cause: err },
  );
}

/**
 * The text of an HTML stream, as a UTF-8 stream. It fails with `document_unreadable` (`too_deep`) when the page nests
 * beyond what the parser can hold, so a consumer must discard what it wrote on error.
 */
export function htmlToText(html: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const encoder = new TextEncoder();
  let skipping = 0;
  let pending = "";
  // Awaited by the (async) handlers, so a slow reader of the text slows the rewriter instead of filling memory.
  const emit = async (text: string): Promise<void> => {
    pending += text;
    // A reference can be split across text chunks: a short tail after the last '&' waits for the next chunk.
    const cut = pending.lastIndexOf("&");
    const held = cut !== -1 && pending.length - cut <= MAX_REFERENCE && pending.indexOf(";", cut) === -1;
    const safe = held ? cut : pending.length;
    if (safe > 0) {
      const ready = decodeEntities(pending.slice(0, safe));
      pending = pending.slice(safe);
      await writer.write(encoder.encode(ready));
    }
  };
  const rewritten = new HTMLRewriter()
    .on(SKIPPED, {
      element(el) {
        skipping += 1;
        el.onEndTag(() => {
          skipping -= 1;
        });
      },
    })
    .on(BLOCKS, {
      async element() {
        if (skipping === 0) await emit("\n");
      },
    })
    .onDocument({
      async text(chunk) {
        if (skipping === 0 && chunk.text) await emit(chunk.text);
      },
    })
    .transform(new Response(html));
  void (async () => {
    try {
      // Draining the rewritten body drives the handlers above; its own bytes (the HTML) are not needed.
      const reader = (rewritten.body as ReadableStream<Uint8Array>).getReader();
      while (!(await reader.read()).done) {}
      if (pending) await writer.write(encoder.encode(decodeEntities(pending)));
      await writer.close();
    } catch (err) {
      await writer.abort(asUnreadable(err));
    }
  })();
  return readable;
}
