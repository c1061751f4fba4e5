/**
 * Runs a page's content streams far enough to place text (ISO 32000-1 §9.4): graphics state, text state and
 * matrices, the show operators, and form XObjects. Glyphs are laid out into lines by position: a vertical move starts
 * a line (a large one a paragraph), a horizontal gap wide for the font's space and the line's spacing is a space
 * (word-breaks.ts), and right-to-left runs drawn in visual order are put back in reading order (bidi.ts).
 */
import { concatBytes } from "../bytes";
import { hasRtl, logicalOrder } from "./bidi";
import type { PdfFile } from "./file";
import { type Font, loadFont } from "./fonts";
import { type Dict, isWhitespace, Keyword, Lexer, Name, type PdfValue, Stream, SyntaxFault } from "./lexer";
import { countText, type TextStats, UNMAPPED } from "./trust";
import { joinWords } from "./word-breaks";

type Matrix = readonly [number, number, number, number, number, number];
const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];

function multiply(m: Matrix, n: Matrix): Matrix {
  return [
    m[0] * n[0] + m[1] * n[2],
    m[0] * n[1] + m[1] * n[3],
    m[2] * n[0] + m[3] * n[2],
    m[2] * n[1] + m[3] * n[3],
    m[4] * n[0] + m[5] * n[2] + n[4],
    m[4] * n[1] + m[5] * n[3] + n[5],
  ];
}

/** Form XObjects nested deeper than this are a loop or an attack. */
const MAX_FORM_DEPTH = 12;
/** A vertical move wider than this share of the font size starts a new line… */
const LINE_MOVE = 0.5;
/** …and one wider than this leaves a blank line, as between paragraphs. */
const PARAGRAPH_MOVE = 1.9;

interface GraphicsState {
  ctm: Matrix;
  font: Font | null;
  size: number;
  charSpacing: number;
  wordSpacing: number;
  scale: number;
  leading: number;
  rise: number;
}

/**
 * Ligature presentation forms (U+FB00–FB06: ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ), which some ToUnicode CMaps map ligature glyphs to: left
 * in, "oﬀice" would not match a search for "office".
 */
const LIGATURE = /[\ufb00-\ufb06]/;
const LIGATURES = /[\ufb00-\ufb06]/g;

/**
 * A page's text with ligatures spelled out as their letters. NFKC only for this block: applied to all the text it
 * would change meaning elsewhere (x² → x2, full-width forms), and cost more. Most pages have none and pass unchanged.
 */
function spellLigatures(text: string): string {
  return LIGATURE.test(text) ? text.replace(LIGATURES, (ligature) => ligature.normalize("NFKC")) : text;
}

function isSpaceChar(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 0xa0 || code === 0x3000;
}

/**
 * Collects placed glyphs into lines. Called once per glyph, so it keeps plain fields instead of allocating; word
 * breaks are decided when a line ends, since they depend on the spacing of the whole line.
 */
class LineBuilder {
  readonly lines: string[] = [];
  #texts: string[] = [];
  /** Per glyph: the gap before it in ems (NaN when no break is to be decided), and its font's space width. */
  #gaps: number[] = [];
  #spaces: number[] = [];
  /** Steps between the line's glyphs: right-to-left text drawn in visual order steps rightwards like any other. */
  #rightward = 0;
  #leftward = 0;
  #endsInSpace = true;
  #started = false;
  #x = 0;
  #y = 0;
  #endX = 0;
  #size = 0;
  #text = "";

  add(text: string, x: number, y: number, endX: number, size: number, space: number): void {
    let gap = Number.NaN;
    if (this.#started) {
      const em = Math.max(size, this.#size, 1e-6);
      const dy = Math.abs(y - this.#y);
      if (dy > LINE_MOVE * em) {
        this.#endLine();
        if (dy > PARAGRAPH_MOVE * em) this.lines.push("");
      } else if (text === this.#text && Math.abs(x - this.#x) < 0.05 * em && dy < 0.05 * em) {
        // Drawn twice in place: a fake bold or a shadow, not two characters.
        return;
      } else {
        if (!this.#endsInSpace && !isSpaceChar(text.charCodeAt(0))) {
          const dx = x - this.#endX;
          // A jump back by more than two ems is a new column or a table cell: always a break.
          gap = dx < -2 * em ? Number.POSITIVE_INFINITY : dx / em;
        }
        if (x < this.#x) this.#leftward++;
        else this.#rightward++;
      }
    }
    this.#texts.push(text);
    this.#gaps.push(gap);
    this.#spaces.push(space);
    this.#endsInSpace = isSpaceChar(text.charCodeAt(text.length - 1));
    this.#started = true;
    this.#x = x;
    this.#y = y;
    this.#endX = endX;
    this.#size = size;
    this.#text = text;
  }

  #endLine(): void {
    let line = joinWords(this.#texts, this.#gaps, this.#spaces).trimEnd();
    if (this.#rightward >= this.#leftward && hasRtl(line)) line = logicalOrder(line);
    this.lines.push(line);
    this.#texts = [];
    this.#gaps = [];
    this.#spaces = [];
    this.#rightward = 0;
    this.#leftward = 0;
    this.#endsInSpace = true;
  }

  /** The page's text: lines joined, runs of blank lines folded into one. */
  finish(): string {
    if (this.#texts.length > 0) this.#endLine();
    // Once per page rather than per glyph: the glyph loop is the reader's hot path.
    return spellLigatures(
      this.lines
        .join("\n")
        .replace(/\n{3,}/g, "\n\n")
        .trim(),
    );
  }
}

/** Extracts one page's text. */
export class PageReader {
  readonly #builder = new LineBuilder();
  readonly #active = new Set<Stream>();

  constructor(
    readonly file: PdfFile,
    readonly fonts: WeakMap<Dict, Promise<Font>>,
    readonly stats: TextStats,
  ) {}

  async read(contents: readonly Stream[], resources: Dict | null): Promise<string> {
    // A page's content streams form one stream of operators, split anywhere (§7.8.2).
    const parts: Uint8Array[] = [];
    for (const stream of contents) {
      const data = await this.file.streamData(stream);
      if (data) parts.push(data, Uint8Array.of(10));
    }
    await this.#run(concatBytes(parts), resources, IDENTITY, 0);
    const text = this.#builder.finish();
    countText(text, this.stats);
    return text;
  }

  async #font(resources: Dict | null, name: string): Promise<Font | null> {
    const dict = this.file.dict(this.file.dict(resources, "Font"), name);
    if (!dict) return null;
    let font = this.fonts.get(dict);
    if (!font) {
      font = loadFont(this.file, dict);
      this.fonts.set(dict, font);
    }
    return font;
  }

  async #run(data: Uint8Array, resources: Dict | null, ctm: Matrix, depth: number): Promise<void> {
    const lexer = new Lexer(data);
    const stack: GraphicsState[] = [];
    let gs: GraphicsState = {
      ctm,
      font: null,
      size: 0,
      charSpacing: 0,
      wordSpacing: 0,
      scale: 1,
      leading: 0,
      rise: 0,
    };
    let tm: Matrix = IDENTITY;
    let tlm: Matrix = IDENTITY;
    const operands: PdfValue[] = [];
    const num = (i: number) => {
      const v = operands[i];
      return typeof v === "number" ? v : 0;
    };
    const moveLine = (tx: number, ty: number) => {
      tlm = multiply([1, 0, 0, 1, tx, ty], tlm);
      tm = tlm;
    };
    const show = (bytes: Uint8Array) => {
      if (!gs.font) return;
      // Within one string the text matrix only moves along its own x axis, so the glyph-to-device matrix is fixed
      // but for its translation: computed once here, and advanced per glyph below (the hot loop of extraction).
      const { ctm, size: fontSize, scale, rise } = gs;
      const { spaceWidth } = gs.font;
      const [a, b, c, d, e, f] = multiply(tm, ctm);
      const size = fontSize * Math.hypot(c, d);
      let dx = 0;
      for (const glyph of gs.font.decode(bytes)) {
        const x = dx * a + rise * c + e;
        const y = dx * b + rise * d + f;
        // Where the glyph's ink ends: character and word spacing come after it, so they count as a gap (Ghostscript
        // sets word spaces as character spacing); tracking is told from them by the line's spacing (word-breaks.ts).
        const endX = x + glyph.width * fontSize * scale * a;
        dx += (glyph.width * fontSize + gs.charSpacing + (glyph.wordSpace ? gs.wordSpacing : 0)) * scale;
        const text = glyph.text ?? UNMAPPED;
        if (text !== "") this.#builder.add(text, x, y, endX, size, spaceWidth);
      }
      tm = multiply([1, 0, 0, 1, dx, 0], tm);
    };
    while (!lexer.atEnd()) {
      let token: ReturnType<Lexer["next"]>;
      try {
        token = lexer.next();
      } catch (err) {
        if (!(err instanceof SyntaxFault)) throw err;
        operands.length = 0;
        continue;
      }
      if (typeof token === "symbol") break;
      if (!(token instanceof Keyword)) {
        operands.push(token);
        continue;
      }
      switch (token.word) {
        case "q":
          stack.push({ ...gs });
          break;
        case "Q":
          gs = stack.pop() ?? gs;
          break;
        case "cm":
          gs.ctm = multiply([num(0), num(1), num(2), num(3), num(4), num(5)], gs.ctm);
          break;
        case "BT":
          tm = IDENTITY;
          tlm = IDENTITY;
          break;
        case "Tf": {
          const name = operands[0];
          gs.font = name instanceof Name ? await this.#font(resources, name.name) : null;
          gs.size = num(1);
          break;
        }
        case "Tc":
          gs.charSpacing = num(0);
          break;
        case "Tw":
          gs.wordSpacing = num(0);
          break;
        case "Tz":
          gs.scale = num(0) / 100;
          break;
        case "TL":
          gs.leading = num(0);
          break;
        case "Ts":
          gs.rise = num(0);
          break;
        case "Td":
          moveLine(num(0), num(1));
          break;
        case "TD":
          gs.leading = -num(1);
          moveLine(num(0), num(1));
          break;
        case "Tm":
          tlm = [num(0), num(1), num(2), num(3), num(4), num(5)];
          tm = tlm;
          break;
        case "T*":
          moveLine(0, -gs.leading);
          break;
        case "Tj":
          if (operands[0] instanceof Uint8Array) show(operands[0]);
          break;
        case "'":
          moveLine(0, -gs.leading);
          if (operands[0] instanceof Uint8Array) show(operands[0]);
          break;
        case '"':
          gs.wordSpacing = num(0);
          gs.charSpacing = num(1);
          moveLine(0, -gs.leading);
          if (operands[2] instanceof Uint8Array) show(operands[2]);
          break;
        case "TJ": {
          const items = operands[0];
          if (!Array.isArray(items)) break;
          for (const item of items) {
            if (item instanceof Uint8Array) show(item);
            else if (typeof item === "number") tm = multiply([1, 0, 0, 1, (-item / 1000) * gs.size * gs.scale, 0], tm);
          }
          break;
        }
        case "Do": {
          const name = operands[0];
          if (name instanceof Name) await this.#form(resources, name.name, gs.ctm, depth);
          break;
        }
        case "ID":
          skipInlineImage(lexer);
          break;
      }
      operands.length = 0;
    }
  }

  async #form(resources: Dict | null, name: string, ctm: Matrix, depth: number): Promise<void> {
    const xobject = this.file.get(this.file.dict(resources, "XObject"), name);
    if (!(xobject instanceof Stream) || this.file.name(xobject.dict, "Subtype") !== "Form") return;
    if (depth >= MAX_FORM_DEPTH || this.#active.has(xobject)) return;
    const data = await this.file.streamData(xobject);
    if (!data) return;
    const m = this.file.get(xobject.dict, "Matrix");
    const matrix: Matrix =
      // SAFETY: checked just before: six numbers.
      Array.isArray(m) && m.length === 6 && m.every((v) => typeof v === "number") ? (m as unknown as Matrix) : IDENTITY;
    this.#active.add(xobject);
    try {
      await this.#run(data, this.file.dict(xobject.dict, "Resources") ?? resources, multiply(matrix, ctm), depth + 1);
    } finally {
      this.#active.delete(xobject);
    }
  }
}

/** Moves past inline image data: from after `ID` to the `EI` that stands alone (§8.9.7). */
function skipInlineImage(lexer: Lexer): void {
  const { bytes } = lexer;
  let p = lexer.pos + 1;
  while (p + 1 < bytes.length) {
    if (
      bytes[p] === 69 /* E */ &&
      bytes[p + 1] === 73 /* I */ &&
      isWhitespace(bytes[p - 1] as number) &&
      (p + 2 >= bytes.length || isWhitespace(bytes[p + 2] as number))
    ) {
      lexer.pos = p + 2;
      return;
    }
    p++;
  }
  lexer.pos = bytes.length;
}
