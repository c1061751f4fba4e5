/**
 * A PDF file's objects and pages. Objects are found by scanning the bytes for `N G obj` rather than by trusting the
 * cross-reference table: real files often have broken offsets, and a scan finds every object either way. Later
 * definitions win, which is what incremental updates mean. Compressed object streams are unpacked after the scan.
 */
import { ascii85, asciiHex, FilterFault, inflate, lzw } from "./filters";
import { type Dict, Keyword, Lexer, Name, type PdfValue, Ref, Stream, SyntaxFault } from "./lexer";
import { type Decryptor, openSecurity, type Security } from "./security";

/** A page's resources and its content streams, in drawing order. */
export interface Page {
  resources: Dict | null;
  contents: Stream[];
}

/** A page tree deeper than this is a loop or an attack. */
const MAX_TREE_DEPTH = 64;

const OBJ = [0x6f, 0x62, 0x6a]; // "obj"
const STREAM = "stream";
const ENDSTREAM = new TextEncoder().encode("endstream");
const TRAILER = new TextEncoder().encode("trailer");

function indexOf(bytes: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0] as number;
  outer: for (let i = bytes.indexOf(first, from); i !== -1 && i <= bytes.length - needle.length; ) {
    for (let j = 1; j < needle.length; j++) {
      if (bytes[i + j] !== needle[j]) {
        i = bytes.indexOf(first, i + 1);
        continue outer;
      }
    }
    return i;
  }
  return -1;
}

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 48 && b <= 57;
}

function isSpace(b: number | undefined): boolean {
  return b === 32 || b === 10 || b === 13 || b === 9 || b === 12 || b === 0;
}

/** Where `N G obj` starts, reading backwards from the `obj` at `at`; null when the bytes before are not that. */
function header(bytes: Uint8Array, at: number): { start: number; num: number; gen: number } | null {
  let p = at - 1;
  if (!isSpace(bytes[p])) return null;
  while (isSpace(bytes[p])) p--;
  const genEnd = p + 1;
  while (isDigit(bytes[p])) p--;
  const genStart = p + 1;
  if (genStart === genEnd || !isSpace(bytes[p])) return null;
  while (isSpace(bytes[p])) p--;
  const numEnd = p + 1;
  while (isDigit(bytes[p])) p--;
  if (p + 1 === numEnd) return null;
  const number = (from: number, to: number) => Number(String.fromCharCode(...bytes.subarray(from, to)));
  return { start: p + 1, num: number(p + 1, numEnd), gen: number(genStart, genEnd) };
}

interface Entry {
  value: PdfValue;
  /** File offset of the definition, to let a later direct object beat an earlier compressed one. */
  offset: number;
}

export class PdfFile {
  readonly #objects = new Map<number, Entry>();
  readonly #trailers: Dict[] = [];
  /** Streams that could not be decoded, to report how much of the document was unreadable. */
  brokenStreams = 0;
  /** The file's encryption, opened with the empty password where it allows; null when it is not encrypted. */
  security: Security | null = null;
  #decryptor: Decryptor | null = null;

  private constructor(readonly bytes: Uint8Array) {}

  /**
   * Reads every object in `bytes`. Throws a SyntaxFault when nothing in it looks like a PDF. An encrypted file that
   * does not open without a password is returned unread: its `security` says why.
   */
  static async open(bytes: Uint8Array): Promise<PdfFile> {
    const file = new PdfFile(bytes);
    file.#scan();
    if (file.#objects.size === 0) throw new SyntaxFault("no objects");
    const trailer = file.#trailers.findLast((t) => t.has("Encrypt"));
    if (trailer) {
      file.security = file.#openSecurity(trailer);
      if (file.security.status !== "open") return file;
      file.#decryptor = file.security.decryptor;
    }
    await file.#unpackObjectStreams();
    return file;
  }

  #openSecurity(trailer: Dict): Security {
    const encrypt = this.dict(trailer, "Encrypt");
    if (!encrypt) return { status: "unsupported", scheme: "a missing encryption dictionary" };
    const resolved: Dict = new Map([...encrypt].map(([key, value]) => [key, this.resolve(value)]));
    const ids = this.get(trailer, "ID");
    const first = Array.isArray(ids) ? this.resolve(ids[0]) : null;
    return openSecurity(resolved, first instanceof Uint8Array ? first : new Uint8Array(0));
  }

  #scan(): void {
    const { bytes } = this;
    let from = 0;
    for (;;) {
      const at = bytes.indexOf(OBJ[0] as number, from);
      if (at === -1) break;
      from = at + 1;
      if (bytes[at + 1] !== OBJ[1] || bytes[at + 2] !== OBJ[2]) continue;
      const after = bytes[at + 3];
      if (after !== undefined && !isSpace(after) && after !== 60 && after !== 91 && after !== 47 && after !== 40) {
        continue;
      }
      const found = header(bytes, at);
      if (!found) continue;
      const lexer = new Lexer(bytes, at + 3);
      try {
        let value = lexer.next() as PdfValue | Keyword;
        if (value instanceof Keyword) continue;
        if (value instanceof Map) {
          const streamAt = this.#streamStart(lexer);
          if (streamAt !== -1) {
            const end = this.#streamEnd(value, streamAt);
            value = new Stream(value, bytes.subarray(streamAt, end), new Ref(found.num, found.gen));
            from = end;
            if (value.dict.get("Type") instanceof Name && (value.dict.get("Type") as Name).name === "XRef") {
              this.#trailers.push(value.dict);
            }
          }
        }
        this.#objects.set(found.num, { value, offset: found.start });
        if (!(value instanceof Stream)) from = Math.max(from, lexer.pos);
      } catch (err) {
        if (!(err instanceof SyntaxFault)) throw err;
      }
    }
    for (let at = indexOf(bytes, TRAILER, 0); at !== -1; at = indexOf(bytes, TRAILER, at + 1)) {
      try {
        const dict = new Lexer(bytes, at + TRAILER.length).next();
        if (dict instanceof Map) this.#trailers.push(dict);
      } catch (err) {
        if (!(err instanceof SyntaxFault)) throw err;
      }
    }
  }

  /** The offset where stream data begins, when the keyword `stream` follows; else -1. */
  #streamStart(lexer: Lexer): number {
    lexer.skipSpace();
    const { bytes } = this;
    const p = lexer.pos;
    for (let i = 0; i < STREAM.length; i++) if (bytes[p + i] !== STREAM.charCodeAt(i)) return -1;
    let data = p + STREAM.length;
    // The keyword is followed by CRLF or LF (§7.3.8.1); a lone CR is tolerated.
    if (bytes[data] === 13) data++;
    if (bytes[data] === 10) data++;
    return data;
  }

  /** Where the stream's data ends: its direct `/Length` when `endstream` follows it, else the next `endstream`. */
  #streamEnd(dict: Dict, start: number): number {
    const { bytes } = this;
    const length = dict.get("Length");
    if (typeof length === "number" && length >= 0 && start + length <= bytes.length) {
      let p = start + length;
      while (isSpace(bytes[p])) p++;
      if (indexOf(bytes.subarray(p, p + ENDSTREAM.length), ENDSTREAM, 0) === 0) return start + length;
    }
    const end = indexOf(bytes, ENDSTREAM, start);
    if (end === -1) return bytes.length;
    let trimmed = end;
    if (bytes[trimmed - 1] === 10) trimmed--;
    if (bytes[trimmed - 1] === 13) trimmed--;
    return Math.max(start, trimmed);
  }

  async #unpackObjectStreams(): Promise<void> {
    const containers = [...this.#objects.values()].filter(
      (e): e is Entry & { value: Stream } =>
        e.value instanceof Stream && (e.value.dict.get("Type") as Name | undefined)?.name === "ObjStm",
    );
    for (const { value: stream, offset } of containers) {
      const data = await this.streamData(stream);
      if (!data) continue;
      const count = stream.dict.get("N");
      const first = stream.dict.get("First");
      if (typeof count !== "number" || typeof first !== "number") continue;
      try {
        const index = new Lexer(data);
        const slots: Array<[number, number]> = [];
        for (let i = 0; i < count; i++) {
          const num = index.next();
          const at = index.next();
          if (typeof num !== "number" || typeof at !== "number") break;
          slots.push([num, at]);
        }
        for (const [num, at] of slots) {
          const existing = this.#objects.get(num);
          // A direct definition later in the file is a newer revision than this compressed one.
          if (existing && existing.offset > offset) continue;
          const value = new Lexer(data, first + at).next();
          if (!(value instanceof Keyword) && typeof value !== "symbol") this.#objects.set(num, { value, offset });
        }
      } catch (err) {
        if (!(err instanceof SyntaxFault)) throw err;
      }
    }
  }

  /** A value with references followed (a missing object is `null`, as the spec says). */
  resolve(value: PdfValue | undefined): PdfValue {
    let current: PdfValue | undefined = value;
    for (let hops = 0; current instanceof Ref && hops < 32; hops++) current = this.#objects.get(current.num)?.value;
    return current instanceof Ref || current === undefined ? null : current;
  }

  /** `dict[key]` resolved. */
  get(dict: Dict | null | undefined, key: string): PdfValue {
    return this.resolve(dict?.get(key));
  }

  /** `dict[key]` resolved when it is a dictionary (a stream's dictionary counts). */
  dict(dict: Dict | null | undefined, key: string): Dict | null {
    const value = this.get(dict, key);
    if (value instanceof Map) return value;
    if (value instanceof Stream) return value.dict;
    return null;
  }

  /** `dict[key]` when it is a name. */
  name(dict: Dict | null | undefined, key: string): string | null {
    const value = this.get(dict, key);
    return value instanceof Name ? value.name : null;
  }

  /** A stream's decoded bytes, or null (counted in `brokenStreams`) when its filters cannot be undone. */
  async streamData(stream: Stream): Promise<Uint8Array | null> {
    const filter = this.get(stream.dict, "Filter");
    const params = this.get(stream.dict, "DecodeParms");
    const filters = Array.isArray(filter) ? filter.map((f) => this.resolve(f)) : filter === null ? [] : [filter];
    const paramList = Array.isArray(params) ? params.map((p) => this.resolve(p)) : [params];
    let data = stream.raw;
    // Cross-reference streams are never encrypted (§7.6.2); every other stream of an encrypted file is.
    if (this.#decryptor && stream.ref && this.name(stream.dict, "Type") !== "XRef") {
      const { num, gen } = stream.ref;
      const decrypted = this.#decryptor.decrypt(data, num, gen);
      if (!decrypted) {
        this.brokenStreams++;
        return null;
      }
      data = decrypted;
    }
    try {
      for (const [i, f] of filters.entries()) {
        if (!(f instanceof Name)) throw new FilterFault("bad filter");
        const p = paramList[i];
        const predictor = p instanceof Map ? p.get("Predictor") : undefined;
        if (typeof predictor === "number" && predictor > 1) throw new FilterFault("predictors are for images");
        switch (f.name) {
          case "FlateDecode":
          case "Fl":
            data = await inflate(data);
            break;
          case "LZWDecode":
          case "LZW": {
            const early = p instanceof Map ? p.get("EarlyChange") : undefined;
            data = lzw(data, typeof early === "number" ? early : 1);
            break;
          }
          case "ASCIIHexDecode":
          case "AHx":
            data = asciiHex(data);
            break;
          case "ASCII85Decode":
          case "A85":
            data = ascii85(data);
            break;
          default:
            throw new FilterFault(`unsupported filter ${f.name}`);
        }
      }
      return data;
    } catch (err) {
      if (!(err instanceof FilterFault)) throw err;
      this.brokenStreams++;
      return null;
    }
  }

  /** The pages in reading order, each with its inherited resources. */
  pages(): Page[] {
    const root =
      // The newest trailer (the last in the file) names the current catalog.
      this.#trailers.map((t) => this.dict(t, "Root")).findLast((d) => d !== null) ??
      [...this.#objects.values()]
        .map((e) => e.value)
        .find((v): v is Dict => v instanceof Map && (v.get("Type") as Name | undefined)?.name === "Catalog") ??
      null;
    const pages: Page[] = [];
    const seen = new Set<Dict>();
    const walk = (node: Dict | null, inherited: Dict | null, depth: number) => {
      if (!node || seen.has(node) || depth > MAX_TREE_DEPTH) return;
      seen.add(node);
      const resources = this.dict(node, "Resources") ?? inherited;
      const kids = this.get(node, "Kids");
      if (Array.isArray(kids)) {
        for (const kid of kids) {
          const child = this.resolve(kid);
          walk(child instanceof Map ? child : null, resources, depth + 1);
        }
        return;
      }
      const contents = this.get(node, "Contents");
      const list = Array.isArray(contents) ? contents.map((c) => this.resolve(c)) : [contents];
      pages.push({ resources, contents: list.filter((c): c is Stream => c instanceof Stream) });
    };
    walk(this.dict(root, "Pages"), null, 0);
    return pages;
  }
}
