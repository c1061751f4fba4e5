/**
 * PDF text extraction in plain Node: real files from real producers (test/fixtures/pdf/make.sh), and small files
 * written here byte by byte for what those producers do not exercise — simple-font encodings, spacing operators,
 * forms, inline images, filters, incremental updates, and hostile structure.
 */
import { readFileSync } from "node:fs";
import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { isAppError } from "../../errors";
import { concatBytes } from "../bytes";
import { ascii85, lzw } from "./filters";
import { pdfText } from "./index";

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../../../test/fixtures/pdf/${name}`, import.meta.url)));

async function textOf(bytes: Uint8Array): Promise<string> {
  return new Response(pdfText(bytes)).text();
}

async function failureOf(bytes: Uint8Array): Promise<{ code: string; reason: string; message: string }> {
  try {
    await textOf(bytes);
  } catch (err) {
    if (isAppError(err)) {
      return { code: err.code, reason: (err.details as { reason: string }).reason, message: err.message };
    }
    throw err;
  }
  throw new Error("expected the PDF to be refused");
}

type Body = string | { dict: string; data: Uint8Array | string };

/** A PDF from numbered objects (1 is the catalog), with a correct cross-reference table. */
function buildPdf(objects: Body[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const encoder = new TextEncoder();
  let length = 0;
  const push = (chunk: Uint8Array | string) => {
    const bytes = typeof chunk === "string" ? Uint8Array.from(chunk, (c) => c.charCodeAt(0) & 0xff) : chunk;
    parts.push(bytes);
    length += bytes.length;
  };
  push("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
  const offsets: number[] = [];
  for (const [i, body] of objects.entries()) {
    offsets.push(length);
    if (typeof body === "string") {
      push(`${i + 1} 0 obj\n${body}\nendobj\n`);
      continue;
    }
    const data = typeof body.data === "string" ? encoder.encode(body.data) : body.data;
    push(`${i + 1} 0 obj\n<< ${body.dict} /Length ${data.length} >>\nstream\n`);
    push(data);
    push("\nendstream\nendobj\n");
  }
  const xref = length;
  push(`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`);
  for (const offset of offsets) push(`${String(offset).padStart(10, "0")} 00000 n \n`);
  push(`trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  return concatBytes(parts);
}

const CATALOG = "<< /Type /Catalog /Pages 2 0 R >>";
const ONE_PAGE = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>";
const HELVETICA = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>";

/** A one-page PDF: content stream object 4, font object 5 as /F1, plus any further objects. */
function onePage(content: Body, font = HELVETICA, extra: Body[] = [], resources = ""): Uint8Array {
  return buildPdf([
    CATALOG,
    ONE_PAGE,
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> ${resources} >> >>`,
    content,
    font,
    ...extra,
  ]);
}

describe("PDFs from real producers", () => {
  it("reads a browser's PDF: composite fonts with ToUnicode, ligatures, CJK, two pages", async () => {
    const text = await textOf(fixture("report-chromium.pdf"));
    expect(text).toBe(
      [
        "--- page 1 ---",
        "Quarterly Report — Café Naïve",
        "The launch code is ZEBRA-9. Office efficiency rose by fifteen percent; the affluent fjord flows.",
        "",
        "Second paragraph with “curly quotes”, an em—dash, and the price €42.50 in Zürich.",
        "",
        "Region Revenue",
        "",
        "North 1,204",
        "",
        "South 987",
        "",
        "--- page 2 ---",
        "Page two begins here. 日本語のテキスト。",
      ].join("\n"),
    );
  });

  it("reads the same file with compressed object streams identically", async () => {
    expect(await textOf(fixture("report-object-streams.pdf"))).toBe(await textOf(fixture("report-chromium.pdf")));
  });

  it("reads Type 1 fonts with Differences encodings and spacing made by Tc and Td (groff → Ghostscript)", async () => {
    const text = await textOf(fixture("report-ghostscript.pdf"));
    expect(text).toContain("The launch code is ZEBRA-9. Café naïve office “final” fjord.\n");
    expect(text).toContain("Second paragraph — with a dash; efficient affluence.");
    expect(text).toContain("--- page 2 ---\n-2-\n\nPage two begins here.");
  });

  it("opens files encrypted with an owner password only, in every revision of the standard handler", async () => {
    const plain = await textOf(fixture("report-ghostscript.pdf"));
    for (const name of ["rc4-40", "rc4-128", "aes-128", "aes-256-r5"]) {
      expect(await textOf(fixture(`report-${name}.pdf`)), name).toBe(plain);
    }
    expect(await textOf(fixture("report-aes-256.pdf"))).toBe(await textOf(fixture("report-chromium.pdf")));
  });

  it("refuses a file that needs a password and an image-only scan, saying what to do", async () => {
    expect(await failureOf(fixture("report-password.pdf"))).toMatchObject({
      code: "document_unreadable",
      reason: "encrypted",
      message: expect.stringContaining("needs a password"),
    });
    expect(await failureOf(fixture("report-scanned.pdf"))).toMatchObject({
      reason: "no_text",
      message: expect.stringContaining("OCR"),
    });
  });
});

describe("text layout", () => {
  it("places words by kerning, word spacing and line moves, and decodes WinAnsi and Differences", async () => {
    const font =
      "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /FirstChar 32 /LastChar 126 /Widths [250 333 408 500 500 833 778 180 333 333 500 564 250 333 250 278 500 500 500 500 500 500 500 500 500 500 278 278 564 564 564 444 921 722 667 667 722 611 556 722 722 333 389 722 611 889 722 722 556 722 667 556 611 722 722 944 722 722 611 333 278 333 469 500 333 444 500 444 500 444 333 500 500 278 278 500 278 778 500 500 500 500 333 389 278 500 500 722 500 500 444 480 200 480 541] /Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [1 /fi /quoteright 128 /Euro] >> >>";
    const content = [
      "BT /F1 10 Tf 72 700 Td",
      "[(Kerned)-300(words)] TJ", // a -300 adjustment is a word gap
      "[(ti)-20(ght)] TJ", // a small one is kerning: no space; and no gap from the previous string's end
      "14 TL T* (Next line) Tj",
      "3 Tw (word spacing) Tj", // Tw widens the space glyph, which is already text
      "0 -40 Td (After a paragraph gap:) Tj",
      "T* (\\001nal caf\\351 \\200 it\\002s) Tj", // Differences: fi, quoteright, Euro; WinAnsi é
      "ET",
    ].join("\n");
    expect(await textOf(onePage({ dict: "", data: content }, font))).toBe(
      [
        "--- page 1 ---",
        "Kerned wordstight",
        "Next lineword spacing",
        "",
        "After a paragraph gap:",
        "final café € it’s",
      ].join("\n"),
    );
  });

  it("reads text in form XObjects and after inline images, with ' and \" operators", async () => {
    const content = [
      "q 1 0 0 1 0 0 cm BI /W 4 /H 1 /BPC 8 /CS /G ID \x00EI\xff\x10 EI Q",
      "BT /F1 12 Tf 72 720 Td 14 TL (Before the form) Tj ET",
      "q 1 0 0 1 72 600 cm /Fm1 Do Q",
      "BT /F1 12 Tf 72 500 Td 14 TL (one) Tj (two) ' 2 0 (three) \" ET",
    ].join("\n");
    const form = {
      dict: "/Type /XObject /Subtype /Form /BBox [0 0 500 100]",
      data: "BT /F1 12 Tf 0 0 Td (Inside the form) Tj ET",
    };
    const text = await textOf(onePage({ dict: "", data: content }, HELVETICA, [form], "/XObject << /Fm1 6 0 R >>"));
    expect(text).toBe("--- page 1 ---\nBefore the form\n\nInside the form\n\none\ntwo\nthree");
  });

  it("maps codes through ToUnicode ranges, arrays and multi-character ligatures", async () => {
    const cmap = [
      "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
      "1 begincodespacerange <0000> <FFFF> endcodespacerange",
      "2 beginbfchar <0001> <00660069> <0002> <0020> endbfchar",
      "2 beginbfrange <0010> <0019> <0041> <0020> <0022> [<0078> <0079> <007A>] endbfrange",
      "endcmap CMapName currentdict /CMap defineresource pop end end",
    ].join("\n");
    const font =
      "<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H /DescendantFonts [6 0 R] /ToUnicode 7 0 R >>";
    const descendant =
      "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /X /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 500 >>";
    const content = "BT /F1 10 Tf 72 700 Td <0001000E00020010001100120002002000210022> Tj ET";
    const pdf = onePage({ dict: "", data: content }, font, [descendant, { dict: "", data: cmap }]);
    // 000E is outside every mapping: one unknown letter in nine is too many to trust.
    expect(await failureOf(pdf)).toMatchObject({ reason: "unmapped_fonts", message: expect.stringContaining("11%") });
    const clean = onePage({ dict: "", data: content.replace("000E", "") }, font, [
      descendant,
      { dict: "", data: cmap },
    ]);
    expect(await textOf(clean)).toBe("--- page 1 ---\nfi ABC xyz");
  });

  it("spells out ligature characters (U+FB00–FB06) so search finds the words, and leaves other compatibility forms", async () => {
    // Producers that map a ligature glyph to its presentation form (U+FB01 ﬁ, U+FB00 ﬀ) rather than to its letters.
    const cmap = [
      "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
      "1 begincodespacerange <00> <FF> endcodespacerange",
      "2 beginbfchar <01> <FB01> <02> <FB00> endbfchar",
      "endcmap CMapName currentdict /CMap defineresource pop end end",
    ].join("\n");
    const font = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding /ToUnicode 6 0 R >>";
    // \262 is WinAnsi's ², which NFKC would turn into 2: only the ligature block is normalised.
    const content = "BT /F1 10 Tf 72 700 Td (The o\\002ice\\262 opens \\001rst.) Tj ET";
    const text = await textOf(onePage({ dict: "", data: content }, font, [{ dict: "", data: cmap }]));
    expect(text).toBe("--- page 1 ---\nThe office² opens first.");
  });

  it("refuses a composite font without ToUnicode: its codes say nothing about characters", async () => {
    const font = "<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H /DescendantFonts [6 0 R] >>";
    const descendant = "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /X /DW 500 >>";
    const pdf = onePage({ dict: "", data: "BT /F1 10 Tf 72 700 Td <00240025> Tj ET" }, font, [descendant]);
    expect(await failureOf(pdf)).toMatchObject({ code: "document_unreadable", reason: "unmapped_fonts" });
  });
});

describe("file structure", () => {
  it("decodes Flate, LZW, ASCII85 and ASCIIHex streams, chained", async () => {
    const content = "BT /F1 12 Tf 72 700 Td (Filtered text) Tj ET";
    const flate = deflateSync(content);
    expect(await textOf(onePage({ dict: "/Filter /FlateDecode", data: flate }))).toContain("Filtered text");
    const hex = [...flate].map((b) => b.toString(16).padStart(2, "0")).join("");
    expect(await textOf(onePage({ dict: "/Filter [/ASCIIHexDecode /FlateDecode]", data: `${hex}>` }))).toContain(
      "Filtered text",
    );
    // "Man " in ASCII85 is 9jqo^; and LZW of "-----A---B" is the spec's own example (ISO 32000-1 §7.4.4.2).
    expect(new TextDecoder().decode(ascii85(new TextEncoder().encode("9jqo^~>")))).toBe("Man ");
    expect(new TextDecoder().decode(lzw(Uint8Array.of(0x80, 0x0b, 0x60, 0x50, 0x22, 0x0c, 0x0c, 0x85, 0x01)))).toBe(
      "-----A---B",
    );
  });

  it("finds objects when the cross-reference table is wrong, and lets an incremental update win", async () => {
    const original = onePage({ dict: "", data: "BT /F1 12 Tf 72 700 Td (First draft) Tj ET" }, HELVETICA, [], "");
    expect(await textOf(withBrokenXref(original))).toContain("First draft");
    const update = "4 0 obj\n<< /Length 42 >>\nstream\nBT /F1 12 Tf 72 700 Td (Final text) Tj ET\nendstream\nendobj\n";
    const text = await textOf(concatBytes([original, new TextEncoder().encode(update)]));
    expect(text).toBe("--- page 1 ---\nFinal text");
  });

  it("survives hostile structure: deep nesting, page-tree loops, a decompression bomb", async () => {
    const deep = onePage({ dict: "", data: `${"[".repeat(5_000)} BT /F1 12 Tf 72 700 Td (Still here) Tj ET` });
    expect(await textOf(deep)).toContain("Still here");
    const loop = buildPdf([
      CATALOG,
      "<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
      { dict: "", data: "BT /F1 12 Tf 72 700 Td (Once) Tj ET" },
      HELVETICA,
    ]);
    expect(await textOf(loop)).toBe("--- page 1 ---\nOnce");
    const bomb = deflateSync(Buffer.alloc(49 * 1_048_576, 0x20));
    const bombed = buildPdf([
      CATALOG,
      "<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 >>",
      "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
      { dict: "/Filter /FlateDecode", data: bomb },
      HELVETICA,
      "<< /Type /Page /Parent 2 0 R /Contents 7 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
      { dict: "", data: "BT /F1 12 Tf 72 700 Td (Readable page) Tj ET" },
    ]);
    expect(await textOf(bombed)).toBe("--- page 1 ---\n\n\n--- page 2 ---\nReadable page");
  });

  it("says what is wrong with files that are not PDFs or have no pages", async () => {
    expect(await failureOf(new TextEncoder().encode("hello"))).toMatchObject({ reason: "not_pdf" });
    expect(await failureOf(new TextEncoder().encode("%PDF-1.7\ngarbage"))).toMatchObject({ reason: "damaged" });
    expect(await failureOf(buildPdf([CATALOG, "<< /Type /Pages /Kids [] /Count 0 >>"]))).toMatchObject({
      reason: "damaged",
    });
    const certificate = concatBytes([
      onePage({ dict: "", data: "BT /F1 12 Tf (x) Tj ET" }, HELVETICA, ["<< /Filter /Adobe.PubSec /V 4 /R 4 >>"]),
      new TextEncoder().encode("trailer\n<< /Root 1 0 R /Encrypt 6 0 R >>\n"),
    ]);
    expect(await failureOf(certificate)).toMatchObject({
      reason: "encrypted",
      message: expect.stringContaining("the Adobe.PubSec security handler"),
    });
  });
});

/** The same file with every cross-reference offset pointing at the wrong place. */
function withBrokenXref(pdf: Uint8Array): Uint8Array {
  const text = new TextDecoder("latin1").decode(pdf).replace(/^\d{10} 00000 n $/gm, "0000000007 00000 n ");
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

describe("word breaks, right-to-left text and glyph names (issue #24)", () => {
  /** A TeX-like font: no space glyph, standard glyph names, 0.5 em letters. */
  const texFont = `<< /Type /Font /Subtype /Type1 /BaseFont /CMR10 /FirstChar 65 /LastChar 122 /Widths [${Array(58).fill(500).join(" ")}] >>`;

  it("breaks words at TeX's tight justified spaces (0.17 em) but not at kerns", async () => {
    // pdfTeX sets interword spaces as TJ adjustments; on a tight line they shrink below 0.2 em.
    const content = "BT /F1 10 Tf 72 700 Td [(tightly)-170(justi)-40(fied)-170(W)80(ords)-165(here)] TJ ET";
    expect(await textOf(onePage({ dict: "", data: content }, texFont))).toBe(
      "--- page 1 ---\ntightly justified Words here",
    );
  });

  it("keeps words set with tracking whole, and breaks between them", async () => {
    // 0.22 em between letters (Tc), a 0.333 em space on top of it between words.
    const font = `<< /Type /Font /Subtype /Type1 /BaseFont /X /FirstChar 32 /LastChar 90 /Widths [333 ${Array(58).fill(600).join(" ")}] /Encoding /WinAnsiEncoding >>`;
    const content = "BT /F1 10 Tf 72 700 Td 2.2 Tc [(TRACKED)-333(HEADING)] TJ ET";
    expect(await textOf(onePage({ dict: "", data: content }, font))).toBe("--- page 1 ---\nTRACKED HEADING");
  });

  it("puts right-to-left text drawn in visual order back in reading order, numbers and Latin runs kept", async () => {
    const cmap = [
      "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
      "1 begincodespacerange <00> <FF> endcodespacerange",
      // A ש, B ל, C ו, D ם, E ע (Hebrew); F ك, G ت, H ا, I ب (Arabic)
      "9 beginbfchar <41> <05E9> <42> <05DC> <43> <05D5> <44> <05DD> <45> <05E2> <46> <0643> <47> <062A> <48> <0627> <49> <0628> endbfchar",
      "endcmap CMapName currentdict /CMap defineresource pop end end",
    ].join("\n");
    const font = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding /ToUnicode 6 0 R >>";
    const content = [
      "BT /F1 10 Tf 72 700 Td 14 TL",
      "(2024 DBCE abc DCBA) Tj", // a Hebrew line holding a Latin word and a number
      "T* (see DCBA here) Tj", // a Hebrew word in a Latin line
      "T* (\\(IHGF\\)) Tj", // Arabic in brackets, which mirror
      "ET",
    ].join("\n");
    const text = await textOf(onePage({ dict: "", data: content }, font, [{ dict: "", data: cmap }]));
    expect(text).toBe("--- page 1 ---\nשלום abc עולם 2024\nsee שלום here\n(كتاب)");
  });

  it("reads a Type 3 font by its glyph names, and accepts it with a few unknown symbols", async () => {
    // Ghostscript's bitmap fonts name glyphs by character (`/.`) or by code (`/a97` is a); /g1 says nothing.
    const font =
      "<< /Type /Font /Subtype /Type3 /FontBBox [0 0 1000 1000] /FontMatrix [0.001 0 0 0.001 0 0] /CharProcs 6 0 R /Resources << >> /FirstChar 1 /LastChar 122 /Widths 7 0 R /Encoding << /Type /Encoding /Differences [1 /g1 46 /. 97 /a97 /a98 /a99 /a100 /a101 /a102 /a103 /a104 /a105 /a106 /a107 /a108 /a109 /a110 /a111 /a112 /a113 /a114 /a115 /a116 /a117 /a118 /a119 /a120 /a121 /a122] >> >>";
    const glyph = { dict: "", data: "500 0 d0" };
    const content = "BT /F1 10 Tf 72 700 Td 14 TL (\\001 each glyph is a bitmap.) Tj T* (\\001 read by name.) Tj ET";
    const pdf = onePage({ dict: "", data: content }, font, [
      "<< /g1 8 0 R >>",
      `[${Array(122).fill(500).join(" ")}]`,
      glyph,
    ]);
    expect(await textOf(pdf)).toBe("--- page 1 ---\n\ufffd each glyph is a bitmap.\n\ufffd read by name.");
  });

  it("maps math and symbol glyphs by their standard and TeX names when there is no ToUnicode", async () => {
    const font =
      "<< /Type /Font /Subtype /Type1 /BaseFont /CMSY10 /FirstChar 1 /LastChar 120 /Widths 6 0 R /Encoding << /Differences [1 /angbracketleft /angbracketright /alpha /arrowright /summation /element /uni2200 /u1D400 /epsilon1] >> >>";
    const content = "BT /F1 10 Tf 72 700 Td (\\001x\\002 \\003 \\004 \\005 \\006 \\007 \\010 \\011) Tj ET";
    const pdf = onePage({ dict: "", data: content }, font, [`[${Array(120).fill(500).join(" ")}]`]);
    expect(await textOf(pdf)).toBe("--- page 1 ---\n⟨x⟩ α → ∑ ∈ ∀ 𝐀 ϵ");
  });

  it("refuses a file whose only text is spaces as having no text", async () => {
    const pdf = onePage({ dict: "", data: "BT /F1 12 Tf 72 700 Td (     ) Tj 0 -20 Td ( ) Tj ET" });
    expect(await failureOf(pdf)).toMatchObject({ reason: "no_text" });
  });
});
