/**
 * CMaps (ISO 32000-1 §9.7.5, §9.10.3): how a string's bytes split into character codes (codespace ranges) and, for
 * ToUnicode CMaps, which text each code stands for (`bfchar`, `bfrange`).
 */
import { Keyword, Lexer, type PdfValue, SyntaxFault } from "./lexer";

interface CodespaceRange {
  bytes: number;
  low: number;
  high: number;
}

/** Entries expanded from `bfrange`s; beyond it ranges are searched instead, so a hostile CMap costs no memory. */
const MAX_EXPANDED = 200_000;

function codeOf(bytes: Uint8Array): number {
  let code = 0;
  for (const b of bytes) code = code * 256 + b;
  return code;
}

/** UTF-16BE bytes to text (how ToUnicode destinations are written). */
export function utf16be(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i + 1 < bytes.length; i += 2)
    s += String.fromCharCode(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
  return s;
}

/** A parsed CMap: the codespace and any code → text mappings it carries. */
export class CMap {
  readonly codespace: CodespaceRange[] = [];
  readonly #text = new Map<number, string>();
  readonly #ranges: Array<{ bytes: number; low: number; high: number; start: string }> = [];

  /** Parses CMap program bytes; syntax it cannot read ends the parse with what it has. */
  static parse(data: Uint8Array): CMap {
    const cmap = new CMap();
    const lexer = new Lexer(data);
    const operands: PdfValue[] = [];
    try {
      while (!lexer.atEnd()) {
        const token = lexer.next();
        if (typeof token === "symbol") break;
        if (!(token instanceof Keyword)) {
          operands.push(token);
          continue;
        }
        switch (token.word) {
          case "endcodespacerange":
            for (let i = 0; i + 1 < operands.length; i += 2) {
              const lo = operands[i];
              const hi = operands[i + 1];
              if (lo instanceof Uint8Array && hi instanceof Uint8Array && lo.length > 0) {
                cmap.codespace.push({ bytes: lo.length, low: codeOf(lo), high: codeOf(hi) });
              }
            }
            break;
          case "endbfchar":
            for (let i = 0; i + 1 < operands.length; i += 2) {
              const src = operands[i];
              const dst = operands[i + 1];
              if (src instanceof Uint8Array && dst instanceof Uint8Array)
                cmap.#set(src.length, codeOf(src), utf16be(dst));
            }
            break;
          case "endbfrange":
            for (let i = 0; i + 2 < operands.length; i += 3) {
              cmap.#range(operands[i] ?? null, operands[i + 1] ?? null, operands[i + 2] ?? null);
            }
            break;
        }
        if (token.word.startsWith("end") || token.word.startsWith("begin")) operands.length = 0;
      }
    } catch (err) {
      if (!(err instanceof SyntaxFault)) throw err;
    }
    return cmap;
  }

  #set(bytes: number, code: number, text: string): void {
    this.#text.set(code * 8 + bytes, text);
  }

  #range(lo: PdfValue, hi: PdfValue, dst: PdfValue): void {
    if (!(lo instanceof Uint8Array) || !(hi instanceof Uint8Array) || lo.length === 0) return;
    const bytes = lo.length;
    const low = codeOf(lo);
    const high = codeOf(hi);
    if (high < low) return;
    if (Array.isArray(dst)) {
      for (let code = low; code <= high && code - low < dst.length; code++) {
        const item = dst[code - low];
        if (item instanceof Uint8Array) this.#set(bytes, code, utf16be(item));
      }
      return;
    }
    if (!(dst instanceof Uint8Array)) return;
    const start = utf16be(dst);
    if (high - low < MAX_EXPANDED - this.#text.size) {
      for (let code = low; code <= high; code++) this.#set(bytes, code, shift(start, code - low));
    } else this.#ranges.push({ bytes, low, high, start });
  }

  /** The text a code stands for, when this CMap maps it. */
  text(code: number, bytes: number): string | undefined {
    const direct = this.#text.get(code * 8 + bytes);
    if (direct !== undefined) return direct;
    for (const r of this.#ranges) {
      if (r.bytes === bytes && code >= r.low && code <= r.high) return shift(r.start, code - r.low);
    }
    return undefined;
  }

  /** A one- or two-byte code this CMap maps to `text`, if any: to find a font's space glyph. */
  codeOf(text: string): number | undefined {
    for (const [key, value] of this.#text) if (value === text) return Math.floor(key / 8);
    return undefined;
  }

  get size(): number {
    return this.#text.size + this.#ranges.length;
  }
}

/** A `bfrange` destination advanced by `offset`: the last UTF-16 unit is incremented (§9.10.3). */
function shift(start: string, offset: number): string {
  if (offset === 0 || start.length === 0) return start;
  const last = start.charCodeAt(start.length - 1) + offset;
  return start.slice(0, -1) + String.fromCharCode(last & 0xffff);
}

/**
 * Splits a string's bytes into codes by the codespace ranges; bytes no range claims are taken `fallbackBytes` at a
 * time, as readers do for broken files.
 */
export function splitCodes(
  bytes: Uint8Array,
  codespace: readonly CodespaceRange[],
  fallbackBytes: number,
): Array<{ code: number; bytes: number }> {
  const codes: Array<{ code: number; bytes: number }> = [];
  let i = 0;
  while (i < bytes.length) {
    let taken = 0;
    let code = 0;
    for (let n = 1; n <= 4 && i + n <= bytes.length && taken === 0; n++) {
      code = code * 256 + (bytes[i + n - 1] as number);
      for (const r of codespace) {
        if (r.bytes === n && code >= r.low && code <= r.high) {
          taken = n;
          break;
        }
      }
    }
    if (taken === 0) {
      taken = Math.min(fallbackBytes, bytes.length - i);
      code = codeOf(bytes.subarray(i, i + taken));
    }
    codes.push({ code, bytes: taken });
    i += taken;
  }
  return codes;
}
