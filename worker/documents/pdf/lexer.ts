/**
 * The PDF object syntax (ISO 32000-1 §7.2–7.3) over raw bytes: numbers, strings, names, arrays, dictionaries,
 * indirect references and bare keywords (content-stream operators). Shared by the file reader, CMaps and content
 * streams, which all use the same token rules.
 */

/** A name object (`/Type`), decoded from its `#xx` escapes. */
export class Name {
  constructor(readonly name: string) {}
}

/** An indirect reference (`12 0 R`). */
export class Ref {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}
}

/** A bare keyword: an operator in a content stream, or `obj`/`stream`/`R` in a file. */
export class Keyword {
  constructor(readonly word: string) {}
}

/**
 * A stream object: its dictionary, its still-encoded bytes (a view into the file, not a copy), and the object it is
 * (an encrypted file keys each stream by it).
 */
export class Stream {
  constructor(
    readonly dict: Dict,
    readonly raw: Uint8Array,
    readonly ref: Ref | null = null,
  ) {}
}

export type Dict = Map<string, PdfValue>;
/** Strings are bytes: their meaning depends on the font or field that uses them. */
export type PdfValue = number | boolean | null | Name | Ref | Uint8Array | PdfValue[] | Dict | Stream;

enum Ch {
  Tab = 9,
  LF = 10,
  FF = 12,
  CR = 13,
  Space = 32,
  Percent = 37,
  ParenOpen = 40,
  ParenClose = 41,
  Plus = 43,
  Minus = 45,
  Dot = 46,
  Slash = 47,
  Zero = 48,
  Nine = 57,
  Less = 60,
  Greater = 62,
  BracketOpen = 91,
  Backslash = 92,
  BracketClose = 93,
  BraceOpen = 123,
  BraceClose = 125,
}

export function isWhitespace(b: number): boolean {
  return b === Ch.Space || b === Ch.LF || b === Ch.CR || b === Ch.Tab || b === Ch.FF || b === 0;
}

function isDelimiter(b: number): boolean {
  return (
    b === Ch.ParenOpen ||
    b === Ch.ParenClose ||
    b === Ch.Less ||
    b === Ch.Greater ||
    b === Ch.BracketOpen ||
    b === Ch.BracketClose ||
    b === Ch.BraceOpen ||
    b === Ch.BraceClose ||
    b === Ch.Slash ||
    b === Ch.Percent
  );
}

function hexValue(b: number): number {
  if (b >= 48 && b <= 57) return b - 48;
  if (b >= 65 && b <= 70) return b - 55;
  if (b >= 97 && b <= 102) return b - 87;
  return -1;
}

/** Thrown for bytes that are not PDF syntax; callers decide whether to skip or give up. */
export class SyntaxFault extends Error {}

/** Structure markers the parser hands back as they are: `]`, `>>` and the end of input. */
const ARRAY_END = Symbol("]");
const DICT_END = Symbol(">>");
const END = Symbol("end");
type Token = PdfValue | Keyword | typeof ARRAY_END | typeof DICT_END | typeof END;

/** Nesting deeper than this is an attack or garbage, never a real document. */
const MAX_NESTING = 256;

/** A cursor over PDF bytes that reads tokens and whole objects. */
export class Lexer {
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
  ) {
    this.pos = start;
  }

  /** Skips whitespace and comments. */
  skipSpace(): void {
    const { bytes } = this;
    while (this.pos < bytes.length) {
      const b = bytes[this.pos] as number;
      if (isWhitespace(b)) this.pos++;
      else if (b === Ch.Percent) {
        while (this.pos < bytes.length && bytes[this.pos] !== Ch.LF && bytes[this.pos] !== Ch.CR) this.pos++;
      } else break;
    }
  }

  /**
   * The next object, or a keyword. In a file, `N G R` becomes a {@link Ref}; in content streams, numbers never
   * precede an `R` operator, so the same rule is harmless there.
   */
  next(depth = 0): PdfValue | Keyword | typeof END {
    const token = this.#token(depth);
    if (token === ARRAY_END || token === DICT_END) throw new SyntaxFault(`unexpected ${String(token.description)}`);
    return token;
  }

  /** True at the end of input (after skipping space). */
  atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.bytes.length;
  }

  #token(depth: number): Token {
    if (depth > MAX_NESTING) throw new SyntaxFault("nesting too deep");
    this.skipSpace();
    const { bytes } = this;
    if (this.pos >= bytes.length) return END;
    const b = bytes[this.pos] as number;
    switch (b) {
      case Ch.ParenOpen:
        return this.#literalString();
      case Ch.Slash:
        return this.#name();
      case Ch.BracketOpen: {
        this.pos++;
        const items: PdfValue[] = [];
        for (;;) {
          const t = this.#token(depth + 1);
          if (t === ARRAY_END) return items;
          if (t === END || t === DICT_END || t instanceof Keyword) throw new SyntaxFault("unterminated array");
          items.push(t);
        }
      }
      case Ch.BracketClose:
        this.pos++;
        return ARRAY_END;
      case Ch.Less:
        if (bytes[this.pos + 1] === Ch.Less) {
          this.pos += 2;
          return this.#dict(depth);
        }
        return this.#hexString();
      case Ch.Greater:
        if (bytes[this.pos + 1] === Ch.Greater) {
          this.pos += 2;
          return DICT_END;
        }
        throw new SyntaxFault("stray >");
      case Ch.BraceOpen:
      case Ch.BraceClose:
      case Ch.ParenClose:
        // PostScript calculator braces and stray parens carry no text: treat them as keywords and move on.
        this.pos++;
        return new Keyword(String.fromCharCode(b));
    }
    if ((b >= Ch.Zero && b <= Ch.Nine) || b === Ch.Plus || b === Ch.Minus || b === Ch.Dot) {
      const number = this.#number();
      if (Number.isInteger(number) && number >= 0) return this.#maybeRef(number);
      return number;
    }
    return this.#keyword();
  }

  #dict(depth: number): Dict {
    const dict: Dict = new Map();
    for (;;) {
      const key = this.#token(depth + 1);
      if (key === DICT_END) return dict;
      if (!(key instanceof Name)) throw new SyntaxFault("dictionary key is not a name");
      const value = this.#token(depth + 1);
      if (value === DICT_END) {
        dict.set(key.name, null);
        return dict;
      }
      if (value === END || value === ARRAY_END || value instanceof Keyword) {
        // `null`-like keywords were already turned into values; anything else means the dictionary is broken.
        throw new SyntaxFault("bad dictionary value");
      }
      dict.set(key.name, value);
    }
  }

  #maybeRef(num: number): PdfValue {
    const save = this.pos;
    this.skipSpace();
    const { bytes } = this;
    let p = this.pos;
    const genStart = p;
    while (p < bytes.length && (bytes[p] as number) >= Ch.Zero && (bytes[p] as number) <= Ch.Nine) p++;
    if (p > genStart && p < bytes.length && isWhitespace(bytes[p] as number)) {
      const gen = Number(String.fromCharCode(...bytes.subarray(genStart, p)));
      while (p < bytes.length && isWhitespace(bytes[p] as number)) p++;
      if (bytes[p] === 82 /* R */ && (p + 1 >= bytes.length || !this.#isRegular(bytes[p + 1] as number))) {
        this.pos = p + 1;
        return new Ref(num, gen);
      }
    }
    this.pos = save;
    return num;
  }

  #isRegular(b: number): boolean {
    return !isWhitespace(b) && !isDelimiter(b);
  }

  /** Reads a number by hand: content streams are mostly numbers, and this is their hot path. */
  #number(): number {
    const { bytes } = this;
    let negative = false;
    // Writers emit oddities like `--5`, `+-5` or `5.-`: signs are read while they come, stray ones after are skipped.
    for (;;) {
      const b = bytes[this.pos];
      if (b === Ch.Minus) negative = true;
      else if (b !== Ch.Plus) break;
      this.pos++;
    }
    let value = 0;
    let divisor = 0;
    while (this.pos < bytes.length) {
      const b = bytes[this.pos] as number;
      if (b >= Ch.Zero && b <= Ch.Nine) {
        value = value * 10 + (b - Ch.Zero);
        if (divisor) divisor *= 10;
      } else if (b === Ch.Dot && !divisor) divisor = 1;
      else if (b !== Ch.Minus && b !== Ch.Dot) break;
      this.pos++;
    }
    if (divisor > 1) value /= divisor;
    return negative ? -value : value;
  }

  #keyword(): PdfValue | Keyword {
    const { bytes } = this;
    const start = this.pos;
    while (this.pos < bytes.length && this.#isRegular(bytes[this.pos] as number)) this.pos++;
    if (this.pos === start) {
      this.pos++;
      throw new SyntaxFault("unexpected byte");
    }
    const word = String.fromCharCode(...bytes.subarray(start, this.pos));
    if (word === "true") return true;
    if (word === "false") return false;
    if (word === "null") return null;
    return new Keyword(word);
  }

  #name(): Name {
    const { bytes } = this;
    this.pos++;
    let name = "";
    while (this.pos < bytes.length && this.#isRegular(bytes[this.pos] as number)) {
      const b = bytes[this.pos] as number;
      if (b === 35 /* # */) {
        const hi = hexValue(bytes[this.pos + 1] ?? 0);
        const lo = hexValue(bytes[this.pos + 2] ?? 0);
        if (hi >= 0 && lo >= 0) {
          name += String.fromCharCode(hi * 16 + lo);
          this.pos += 3;
          continue;
        }
      }
      name += String.fromCharCode(b);
      this.pos++;
    }
    return new Name(name);
  }

  #hexString(): Uint8Array {
    const { bytes } = this;
    this.pos++;
    const close = bytes.indexOf(Ch.Greater, this.pos);
    const end = close === -1 ? bytes.length : close;
    const out = new Uint8Array(Math.ceil((end - this.pos) / 2));
    let length = 0;
    let high = -1;
    for (; this.pos < end; this.pos++) {
      const v = hexValue(bytes[this.pos] as number);
      if (v < 0) continue;
      if (high < 0) high = v;
      else {
        out[length++] = high * 16 + v;
        high = -1;
      }
    }
    this.pos = end + 1;
    // An odd final digit is followed by an implied 0 (§7.3.4.3).
    if (high >= 0) out[length++] = high * 16;
    return out.subarray(0, length);
  }

  #literalString(): Uint8Array {
    const { bytes } = this;
    this.pos++;
    const out: number[] = [];
    let depth = 1;
    while (this.pos < bytes.length) {
      let b = bytes[this.pos++] as number;
      if (b === Ch.ParenOpen) depth++;
      else if (b === Ch.ParenClose && --depth === 0) break;
      else if (b === Ch.CR) {
        // An end-of-line in a string is read as a single LF whatever the writer used.
        if (bytes[this.pos] === Ch.LF) this.pos++;
        b = Ch.LF;
      } else if (b === Ch.Backslash) {
        const e = bytes[this.pos++] ?? 0;
        switch (e) {
          case 110:
            b = Ch.LF;
            break;
          case 114:
            b = Ch.CR;
            break;
          case 116:
            b = Ch.Tab;
            break;
          case 98:
            b = 8;
            break;
          case 102:
            b = Ch.FF;
            break;
          case Ch.CR:
            if (bytes[this.pos] === Ch.LF) this.pos++;
            continue;
          case Ch.LF:
            continue;
          default:
            if (e >= Ch.Zero && e <= 55) {
              let code = e - Ch.Zero;
              for (let i = 0; i < 2; i++) {
                const d = bytes[this.pos] ?? 0;
                if (d < Ch.Zero || d > 55) break;
                code = code * 8 + (d - Ch.Zero);
                this.pos++;
              }
              b = code & 0xff;
            } else b = e;
        }
      }
      out.push(b);
    }
    return Uint8Array.from(out);
  }
}

/** The bytes as Latin-1 text, for keys and names that are ASCII by construction. */
export function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}
