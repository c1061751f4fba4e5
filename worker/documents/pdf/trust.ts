/**
 * Whether a document's text can be trusted, judged by what a reader would lose: the share of its letters whose
 * characters the fonts do not give. Unknown glyphs standing alone (a bracket, a bullet, a symbol in a formula) cost
 * a reader little and do not count; unknown glyphs inside words or in runs (a font with no usable mapping) do.
 */
import { AppError } from "../../errors";

/** Above this share of letters without a known character, the text would mislead more than it informs. */
const MAX_UNMAPPED_SHARE = 0.05;
/** The character an unmapped glyph is shown as. */
export const UNMAPPED = "\ufffd";

/** Counts of the text read, to judge whether it can be trusted. */
export interface TextStats {
  /** Characters other than white space, unmapped glyphs included. */
  visible: number;
  /** Letters and digits that were read. */
  letters: number;
  /** Unmapped glyphs that stand for letters: in a run of them, or next to a letter. */
  unmapped: number;
  /** Unmapped glyphs standing alone, as symbols do. */
  isolated: number;
}

/** A new, empty tally. */
export function emptyStats(): TextStats {
  return { visible: 0, letters: 0, unmapped: 0, isolated: 0 };
}

function isLetter(ch: string | undefined): boolean {
  return ch !== undefined && /[\p{L}\p{N}]/u.test(ch);
}

/** Adds a page's text to `stats`. Once per page, not per glyph: the glyph loop is the reader's hot path. */
export function countText(text: string, stats: TextStats): void {
  let visible = 0;
  let letters = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32) continue;
    visible++;
    // ASCII letters and digits without a regex: most text is mostly ASCII.
    if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) letters++;
    else if (c > 127 && c !== 0xfffd && isLetter(text[i])) letters++;
  }
  stats.visible += visible;
  stats.letters += letters;
  for (const run of text.matchAll(/\ufffd+/g)) {
    const at = run.index;
    const alone = run[0].length === 1 && !isLetter(text[at - 1]) && !isLetter(text[at + 1]);
    if (alone) stats.isolated++;
    else stats.unmapped += run[0].length;
  }
}

function unreadable(message: string, reason: string): AppError {
  return new AppError("document_unreadable", message, { details: { reason } });
}

/** Throws `document_unreadable` when the text read is blank or too much of it is unknown. */
export function checkTrust(stats: TextStats): void {
  if (stats.visible === 0) {
    throw unreadable(
      "The PDF has no text layer (it looks scanned); run it through OCR and upload the result",
      "no_text",
    );
  }
  // Text with no letters at all but unknown glyphs is all unknown, however scattered they are.
  const share =
    stats.letters === 0
      ? Math.min(1, stats.unmapped + stats.isolated)
      : stats.unmapped / (stats.letters + stats.unmapped);
  if (share > MAX_UNMAPPED_SHARE) {
    throw unreadable(
      `The PDF's fonts do not say which characters ${Math.round(100 * share)}% of its letters are, so its text cannot be read reliably; export it again with Unicode fonts, or OCR it`,
      "unmapped_fonts",
    );
  }
}
