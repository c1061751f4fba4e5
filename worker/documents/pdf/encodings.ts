/**
 * Simple-font encodings (ISO 32000-1 Annex D) and glyph names to Unicode: enough of the Adobe Glyph List for Latin
 * text (and, in glyph-names.ts, for Greek, math and symbols), plus the `uniXXXX`, `uXXXXXX` and `a_b` naming rules. Fonts carrying a ToUnicode CMap never need
 * these; older and hand-made PDFs do.
 */

import { SYMBOL_GLYPHS } from "./glyph-names";

const UPPER = Array.from({ length: 26 }, (_, i) => String.fromCharCode(65 + i));
const LOWER = Array.from({ length: 26 }, (_, i) => String.fromCharCode(97 + i));

/** Glyph names of codes 32–126 in WinAnsiEncoding (StandardEncoding differs at 39 and 96). */
const ASCII_NAMES = [
  ..."space exclam quotedbl numbersign dollar percent ampersand quotesingle parenleft parenright asterisk plus comma hyphen period slash zero one two three four five six seven eight nine colon semicolon less equal greater question at".split(
    " ",
  ),
  ...UPPER,
  ..."bracketleft backslash bracketright asciicircum underscore grave".split(" "),
  ...LOWER,
  ..."braceleft bar braceright asciitilde".split(" "),
];

/** Windows-1252 codes 128–159 ("" where the code page has no character). */
const CP1252_HIGH = [
  ["Euro", 0x20ac],
  ["", 0],
  ["quotesinglbase", 0x201a],
  ["florin", 0x192],
  ["quotedblbase", 0x201e],
  ["ellipsis", 0x2026],
  ["dagger", 0x2020],
  ["daggerdbl", 0x2021],
  ["circumflex", 0x2c6],
  ["perthousand", 0x2030],
  ["Scaron", 0x160],
  ["guilsinglleft", 0x2039],
  ["OE", 0x152],
  ["", 0],
  ["Zcaron", 0x17d],
  ["", 0],
  ["", 0],
  ["quoteleft", 0x2018],
  ["quoteright", 0x2019],
  ["quotedblleft", 0x201c],
  ["quotedblright", 0x201d],
  ["bullet", 0x2022],
  ["endash", 0x2013],
  ["emdash", 0x2014],
  ["tilde", 0x2dc],
  ["trademark", 0x2122],
  ["scaron", 0x161],
  ["guilsinglright", 0x203a],
  ["oe", 0x153],
  ["", 0],
  ["zcaron", 0x17e],
  ["Ydieresis", 0x178],
] as const;

/** Glyph names of Latin-1 codes 160–255, whose Unicode values equal their codes. */
const LATIN1_NAMES =
  "nbspace exclamdown cent sterling currency yen brokenbar section dieresis copyright ordfeminine guillemotleft logicalnot sfthyphen registered macron degree plusminus twosuperior threesuperior acute mu paragraph periodcentered cedilla onesuperior ordmasculine guillemotright onequarter onehalf threequarters questiondown Agrave Aacute Acircumflex Atilde Adieresis Aring AE Ccedilla Egrave Eacute Ecircumflex Edieresis Igrave Iacute Icircumflex Idieresis Eth Ntilde Ograve Oacute Ocircumflex Otilde Odieresis multiply Oslash Ugrave Uacute Ucircumflex Udieresis Yacute Thorn germandbls agrave aacute acircumflex atilde adieresis aring ae ccedilla egrave eacute ecircumflex edieresis igrave iacute icircumflex idieresis eth ntilde ograve oacute ocircumflex otilde odieresis divide oslash ugrave uacute ucircumflex udieresis yacute thorn ydieresis".split(
    " ",
  );

/** StandardEncoding above 127: code → glyph name. */
const STANDARD_HIGH: Record<number, string> = {
  161: "exclamdown",
  162: "cent",
  163: "sterling",
  164: "fraction",
  165: "yen",
  166: "florin",
  167: "section",
  168: "currency",
  169: "quotesingle",
  170: "quotedblleft",
  171: "guillemotleft",
  172: "guilsinglleft",
  173: "guilsinglright",
  174: "fi",
  175: "fl",
  177: "endash",
  178: "dagger",
  179: "daggerdbl",
  180: "periodcentered",
  182: "paragraph",
  183: "bullet",
  184: "quotesinglbase",
  185: "quotedblbase",
  186: "quotedblright",
  187: "guillemotright",
  188: "ellipsis",
  189: "perthousand",
  191: "questiondown",
  193: "grave",
  194: "acute",
  195: "circumflex",
  196: "tilde",
  197: "macron",
  198: "breve",
  199: "dotaccent",
  200: "dieresis",
  202: "ring",
  203: "cedilla",
  205: "hungarumlaut",
  206: "ogonek",
  207: "caron",
  208: "emdash",
  225: "AE",
  227: "ordfeminine",
  232: "Lslash",
  233: "Oslash",
  234: "OE",
  235: "ordmasculine",
  241: "ae",
  245: "dotlessi",
  248: "lslash",
  249: "oslash",
  250: "oe",
  251: "germandbls",
};

/** MacRomanEncoding above 127, as the characters themselves. */
const MAC_ROMAN_HIGH =
  "ÄÅÇÉÑÖÜáàâäãåçéèêëíìîïñóòôöõúùûü†°¢£§•¶ß®©™´¨≠ÆØ∞±≤≥¥µ∂∑∏π∫ªºΩæø¿¡¬√ƒ≈∆«»… ÀÃÕŒœ–—“”‘’÷◊ÿŸ⁄¤‹›ﬁﬂ‡·‚„‰ÂÊÁËÈÍÎÏÌÓÔ\uf8ffÒÚÛÙıˆ˜¯˘˙˚¸˝˛ˇ";

/** Names outside the tables above that Latin text uses. Ligatures expand to letters so search finds the words. */
const EXTRA_GLYPHS: Record<string, string> = {
  fi: "fi",
  fl: "fl",
  ff: "ff",
  ffi: "ffi",
  ffl: "ffl",
  dotlessi: "ı",
  Lslash: "Ł",
  lslash: "ł",
  fraction: "⁄",
  breve: "˘",
  dotaccent: "˙",
  ring: "˚",
  hungarumlaut: "˝",
  ogonek: "˛",
  caron: "ˇ",
  space: " ",
  nbspace: " ",
  sfthyphen: "\u00ad",
  hyphen: "-",
  quotesingle: "'",
  grave: "`",
};

/** An encoding: code (0–255) → glyph name, or directly → text when the table holds characters. */
export type BaseEncoding = (code: number) => string | null;

const GLYPHS = new Map<string, string>();
const WIN_ANSI_NAMES: string[] = [];
for (const [i, name] of ASCII_NAMES.entries()) {
  WIN_ANSI_NAMES[32 + i] = name;
  GLYPHS.set(name, String.fromCharCode(32 + i));
}
for (const [i, [name, unicode]] of CP1252_HIGH.entries()) {
  if (!name) continue;
  WIN_ANSI_NAMES[128 + i] = name;
  GLYPHS.set(name, String.fromCharCode(unicode));
}
for (const [i, name] of LATIN1_NAMES.entries()) {
  WIN_ANSI_NAMES[160 + i] = name;
  GLYPHS.set(name, String.fromCharCode(160 + i));
}
for (const [name, text] of Object.entries(EXTRA_GLYPHS)) GLYPHS.set(name, text);
for (const [name, text] of SYMBOL_GLYPHS) GLYPHS.set(name, text);
// PDF's WinAnsiEncoding names codes 160 and 173 like 32 and 45.
WIN_ANSI_NAMES[160] = "space";
WIN_ANSI_NAMES[173] = "hyphen";

const STANDARD_NAMES: string[] = [...WIN_ANSI_NAMES.slice(0, 127)];
STANDARD_NAMES[39] = "quoteright";
STANDARD_NAMES[96] = "quoteleft";
for (const [code, name] of Object.entries(STANDARD_HIGH)) STANDARD_NAMES[Number(code)] = name;

/** The Unicode text of a glyph name, or null when it is not one we know. */
export function glyphText(name: string): string | null {
  const known = GLYPHS.get(name);
  if (known !== undefined) return known;
  // A one-character name is that character, as poppler and pdf.js read it (Ghostscript's Type 3 fonts: `/.`, `/1`).
  if (name.length === 1 && name >= "!") return name;
  // Suffixes name variants of the same character: `a.sc`, `one.oldstyle`.
  const base = name.split(".")[0] ?? "";
  if (base !== name && base) return glyphText(base);
  if (base.includes("_")) {
    const parts = base.split("_").map(glyphText);
    return parts.every((p) => p !== null) ? parts.join("") : null;
  }
  const uni = /^uni((?:[0-9A-F]{4})+)$/.exec(base);
  if (uni?.[1]) {
    const units = uni[1].match(/.{4}/g) ?? [];
    return String.fromCharCode(...units.map((u) => Number.parseInt(u, 16)));
  }
  const u = /^u([0-9A-F]{4,6})$/.exec(base);
  if (u?.[1]) {
    const point = Number.parseInt(u[1], 16);
    return point <= 0x10ffff ? String.fromCodePoint(point) : null;
  }
  return null;
}

function byNames(names: readonly string[]): BaseEncoding {
  return (code) => {
    const name = names[code];
    return name ? glyphText(name) : null;
  };
}

/** The base encodings a font may name (§9.6.6), keyed by their PDF names. */
export const BASE_ENCODINGS: Record<string, BaseEncoding> = {
  WinAnsiEncoding: byNames(WIN_ANSI_NAMES),
  StandardEncoding: byNames(STANDARD_NAMES),
  MacRomanEncoding: (code) => (code >= 128 ? (MAC_ROMAN_HIGH[code - 128] ?? null) : byNames(WIN_ANSI_NAMES)(code)),
  // Expert and PDFDoc encodings are rare in running text; their ASCII range is what matters.
  PDFDocEncoding: byNames(WIN_ANSI_NAMES),
};
