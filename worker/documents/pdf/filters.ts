/**
 * Stream filters that carry text (ISO 32000-1 §7.4): Flate (through the runtime's DecompressionStream), LZW,
 * ASCIIHex and ASCII85. Image codecs are never needed for text and are refused. Output is capped so a small
 * compressed stream cannot expand into more memory than a Worker has.
 */
import { concatBytes } from "../bytes";
import { isWhitespace } from "./lexer";

/** A stream that cannot be decoded; the caller skips it and counts it. */
export class FilterFault extends Error {}

/** A decoded stream over this size is refused: a Worker has 128 MB in all. */
const MAX_DECODED_BYTES = 48 * 1_048_576;

/**
 * Inflates zlib data. Writers often end streams early or add junk after them; what inflated before the fault is kept,
 * as every mainstream reader does.
 */
export async function inflate(data: Uint8Array, limit = MAX_DECODED_BYTES): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("deflate"));
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        await reader.cancel();
        throw new FilterFault(`a stream inflates past ${limit} bytes`);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof FilterFault) throw err;
    if (total === 0) throw new FilterFault("a compressed stream is corrupt");
  }
  return concatBytes(chunks);
}

/** LZW as PDF uses it: 9–12 bit codes, MSB first, `EarlyChange` 1 unless the stream says 0. */
export function lzw(data: Uint8Array, earlyChange = 1, limit = MAX_DECODED_BYTES): Uint8Array {
  const out: number[] = [];
  let table: number[][] = [];
  const reset = () => {
    table = [];
    for (let i = 0; i < 256; i++) table.push([i]);
    table.push([], []);
  };
  reset();
  let width = 9;
  let bitBuffer = 0;
  let bits = 0;
  let previous: number[] | null = null;
  for (const byte of data) {
    bitBuffer = ((bitBuffer << 8) | byte) >>> 0;
    bits += 8;
    while (bits >= width) {
      const code = (bitBuffer >>> (bits - width)) & ((1 << width) - 1);
      bits -= width;
      bitBuffer &= (1 << bits) - 1;
      if (code === 256) {
        reset();
        width = 9;
        previous = null;
        continue;
      }
      if (code === 257) return Uint8Array.from(out);
      let entry = table[code];
      if (!entry) {
        if (!previous || code !== table.length) throw new FilterFault("an LZW stream is corrupt");
        entry = [...previous, previous[0] as number];
      }
      for (const b of entry) out.push(b);
      if (out.length > limit) throw new FilterFault(`a stream decodes past ${limit} bytes`);
      if (previous && table.length < 4096) table.push([...previous, entry[0] as number]);
      previous = entry;
      const next = table.length + earlyChange;
      if (next >= 2048) width = 12;
      else if (next >= 1024) width = 11;
      else if (next >= 512) width = 10;
    }
  }
  return Uint8Array.from(out);
}

export function asciiHex(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let high = -1;
  for (const b of data) {
    if (b === 62 /* > */) break;
    const v = b >= 48 && b <= 57 ? b - 48 : b >= 65 && b <= 70 ? b - 55 : b >= 97 && b <= 102 ? b - 87 : -1;
    if (v < 0) continue;
    if (high < 0) high = v;
    else {
      out.push(high * 16 + v);
      high = -1;
    }
  }
  if (high >= 0) out.push(high * 16);
  return Uint8Array.from(out);
}

export function ascii85(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  const group: number[] = [];
  const flush = (count: number) => {
    while (group.length < 5) group.push(84);
    let value = 0;
    for (const d of group) value = value * 85 + d;
    for (let i = 0; i < count - 1; i++) out.push((value >>> (24 - 8 * i)) & 0xff);
    group.length = 0;
  };
  for (let i = 0; i < data.length; i++) {
    const b = data[i] as number;
    if (b === 126 /* ~ */) break;
    if (isWhitespace(b)) continue;
    if (b === 122 /* z */ && group.length === 0) {
      out.push(0, 0, 0, 0);
      continue;
    }
    if (b < 33 || b > 117) throw new FilterFault("an ASCII85 stream is corrupt");
    group.push(b - 33);
    if (group.length === 5) flush(5);
  }
  if (group.length > 0) flush(group.length);
  return Uint8Array.from(out);
}
