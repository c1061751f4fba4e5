/**
 * Fonts as text decoders: a shown string's bytes become glyphs, each with its Unicode text (null when the font gives
 * no way to know it) and its advance width. The ToUnicode CMap comes first; simple fonts fall back to their encoding
 * and glyph names; composite fonts to UCS-2 CMaps. Anything else is unmapped and counted, never guessed.
 */
import { CMap, splitCodes, utf16be } from "./cmap";
import { BASE_ENCODINGS, type BaseEncoding, glyphText } from "./encodings";
import type { PdfFile } from "./file";
import { codeNameText } from "./glyph-names";
import { type Dict, latin1, Name, type PdfValue, Stream } from "./lexer";

export interface Glyph {
  text: string | null;
  /** Advance in text space units per unit of font size (glyph width / 1000). */
  width: number;
  /** A single-byte code 32, which word spacing (`Tw`) applies to. */
  wordSpace: boolean;
}

export interface Font {
  decode(bytes: Uint8Array): Glyph[];
  /** Width of the font's space in ems: what a gap between words is judged against (word-breaks.ts). */
  spaceWidth: number;
}

/** Width assumed for the standard 14 fonts, which may come without widths: a typical Latin average. */
const STANDARD_FONT_WIDTH = 0.55;
/**
 * Space width assumed when a font has no space glyph (TeX's fonts have none) and no average width: between Times'
 * 0.25 em and Computer Modern's 0.333 em.
 */
const DEFAULT_SPACE_WIDTH = 0.3;
/** A font's space is about this share of its average glyph width (Helvetica 278 of 441, Times 250 of 401). */
const SPACE_PER_AVERAGE_WIDTH = 0.6;

const IDENTITY_CODESPACE = [{ bytes: 2, low: 0, high: 0xffff }];
const ONE_BYTE_CODESPACE = [{ bytes: 1, low: 0, high: 0xff }];

async function toUnicode(file: PdfFile, dict: Dict): Promise<CMap | null> {
  const value = file.get(dict, "ToUnicode");
  if (!(value instanceof Stream)) return null;
  const data = await file.streamData(value);
  if (!data) return null;
  const cmap = CMap.parse(data);
  return cmap.size > 0 ? cmap : null;
}

/**
 * The encoding built into an embedded Type 1 program (`dup 58 /period put` in its clear-text part), which fonts
 * without an `/Encoding` use; TeX's math and symbol fonts depend on it.
 */
async function builtInEncoding(file: PdfFile, dict: Dict): Promise<BaseEncoding | null> {
  const program = file.get(file.dict(dict, "FontDescriptor"), "FontFile");
  if (!(program instanceof Stream)) return null;
  const data = await file.streamData(program);
  if (!data) return null;
  const clear = file.get(program.dict, "Length1");
  const text = latin1(data.subarray(0, typeof clear === "number" ? clear : 65_536));
  const names = new Map<number, string>();
  for (const match of text.matchAll(/dup\s+(\d+)\s*\/([^\s/[\]{}()<>%]+)\s+put/g)) {
    names.set(Number(match[1]), match[2] as string);
  }
  if (names.size === 0) return null;
  return (code) => {
    const name = names.get(code);
    return name === undefined ? null : glyphText(name);
  };
}

async function simpleEncoding(file: PdfFile, dict: Dict): Promise<BaseEncoding> {
  const subtype = file.name(dict, "Subtype");
  const fallback =
    (subtype === "Type1" ? await builtInEncoding(file, dict) : null) ??
    (subtype === "TrueType" ? BASE_ENCODINGS.WinAnsiEncoding : BASE_ENCODINGS.StandardEncoding);
  const encoding = file.get(dict, "Encoding");
  if (encoding instanceof Name) return BASE_ENCODINGS[encoding.name] ?? (fallback as BaseEncoding);
  if (!(encoding instanceof Map)) return fallback as BaseEncoding;
  const base = file.name(encoding, "BaseEncoding");
  const baseEncoding = (base && BASE_ENCODINGS[base]) || (fallback as BaseEncoding);
  const differences = file.get(encoding, "Differences");
  if (!Array.isArray(differences)) return baseEncoding;
  const names = new Map<number, string>();
  let code = 0;
  for (const item of differences) {
    const value = file.resolve(item);
    if (typeof value === "number") code = value;
    else if (value instanceof Name) names.set(code++, value.name);
  }
  const nameText = subtype === "Type3" ? (name: string) => glyphText(name) ?? codeNameText(name) : glyphText;
  return (c) => {
    const name = names.get(c);
    return name !== undefined ? nameText(name) : baseEncoding(c);
  };
}

function simpleWidths(file: PdfFile, dict: Dict): (code: number) => number {
  const widths = file.get(dict, "Widths");
  const first = file.get(dict, "FirstChar");
  const missing = file.get(file.dict(dict, "FontDescriptor"), "MissingWidth");
  if (!Array.isArray(widths)) return () => STANDARD_FONT_WIDTH;
  const start = typeof first === "number" ? first : 0;
  // Type 3 glyphs are measured in their own FontMatrix; every other font in thousandths of an em.
  const matrix = file.get(dict, "FontMatrix");
  const scale = Array.isArray(matrix) && typeof matrix[0] === "number" ? matrix[0] : 0.001;
  const fallback = typeof missing === "number" ? missing * scale : 0;
  return (code) => {
    const w = file.resolve(widths[code - start]);
    return typeof w === "number" ? w * scale : fallback;
  };
}

/**
 * The width of a font's space in ems: its space glyph's width when it has one, else a share of the descriptor's
 * average (or missing-glyph) width, else a typical value.
 */
function spaceWidth(file: PdfFile, dict: Dict | null, space: number | null): number {
  if (space !== null && space > 0) return space;
  const descriptor = file.dict(dict, "FontDescriptor");
  for (const key of ["AvgWidth", "MissingWidth"]) {
    const width = file.get(descriptor, key);
    if (typeof width === "number" && width > 0) return (width / 1000) * SPACE_PER_AVERAGE_WIDTH;
  }
  return DEFAULT_SPACE_WIDTH;
}

/** `/W` of a CIDFont: `c [w1 w2 …]` and `cFirst cLast w` entries. */
function cidWidths(file: PdfFile, descendant: Dict | null): (cid: number) => number {
  const dw = file.get(descendant, "DW");
  const fallback = (typeof dw === "number" ? dw : 1000) / 1000;
  const table = new Map<number, number>();
  const ranges: Array<[number, number, number]> = [];
  const w = file.get(descendant, "W");
  if (Array.isArray(w)) {
    for (let i = 0; i < w.length; ) {
      const first = file.resolve(w[i]);
      const next: PdfValue = file.resolve(w[i + 1]);
      if (typeof first !== "number") break;
      if (Array.isArray(next)) {
        next.forEach((value, k) => {
          const width = file.resolve(value);
          if (typeof width === "number") table.set(first + k, width / 1000);
        });
        i += 2;
      } else {
        const width = file.resolve(w[i + 2]);
        if (typeof next === "number" && typeof width === "number") ranges.push([first, next, width / 1000]);
        i += 3;
      }
    }
  }
  return (cid) => {
    const direct = table.get(cid);
    if (direct !== undefined) return direct;
    for (const [lo, hi, width] of ranges) if (cid >= lo && cid <= hi) return width;
    return fallback;
  };
}

async function compositeFont(file: PdfFile, dict: Dict, unicode: CMap | null): Promise<Font> {
  const descendants = file.get(dict, "DescendantFonts");
  const first = Array.isArray(descendants) ? file.resolve(descendants[0]) : null;
  const descendant = first instanceof Map ? first : null;
  const width = cidWidths(file, descendant);
  const encoding = file.get(dict, "Encoding");
  let codespace = IDENTITY_CODESPACE;
  // Predefined UCS-2/UTF-16 CMaps make the codes themselves Unicode (§9.7.5.2).
  let codesAreUnicode = false;
  if (encoding instanceof Name) codesAreUnicode = /UCS2|UTF16/.test(encoding.name);
  else if (encoding instanceof Stream) {
    const data = await file.streamData(encoding);
    const embedded = data ? CMap.parse(data) : null;
    if (embedded && embedded.codespace.length > 0) codespace = embedded.codespace;
  }
  if (unicode && unicode.codespace.length > 0 && !(encoding instanceof Stream)) codespace = unicode.codespace;
  const space = unicode?.codeOf(" ");
  return {
    spaceWidth: spaceWidth(file, descendant, space === undefined ? null : width(space)),
    decode(bytes) {
      return splitCodes(bytes, codespace, 2).map(({ code, bytes: n }) => {
        const text =
          unicode?.text(code, n) ?? (codesAreUnicode ? utf16be(Uint8Array.of(code >> 8, code & 0xff)) : null);
        return { text, width: width(code), wordSpace: n === 1 && code === 32 };
      });
    },
  };
}

/** The decoder for a font dictionary. */
export async function loadFont(file: PdfFile, dict: Dict): Promise<Font> {
  const unicode = await toUnicode(file, dict);
  if (file.name(dict, "Subtype") === "Type0") return compositeFont(file, dict, unicode);
  const encoding = await simpleEncoding(file, dict);
  const width = simpleWidths(file, dict);
  const text = (code: number) => unicode?.text(code, 1) ?? encoding(code);
  // Without /Widths (the standard 14 fonts) the width read would be a guess; the descriptor's is better.
  const space = !Array.isArray(file.get(dict, "Widths"))
    ? undefined
    : text(32) === " "
      ? 32
      : Array.from({ length: 256 }, (_, c) => c).find((c) => text(c) === " ");
  return {
    spaceWidth: spaceWidth(file, dict, space === undefined ? null : width(space)),
    decode(bytes) {
      return splitCodes(bytes, ONE_BYTE_CODESPACE, 1).map(({ code }) => ({
        text: text(code),
        width: width(code),
        wordSpace: code === 32,
      }));
    },
  };
}
