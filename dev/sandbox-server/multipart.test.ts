import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { MultipartParser, multipartBoundary, type PartInfo } from "./multipart";

const BOUNDARY = "----formdata-test-0123";

function body(parts: Array<{ name: string; filename?: string; data: Buffer }>): Buffer {
  const out: Buffer[] = [Buffer.from("preamble to ignore\r\n")];
  for (const p of parts) {
    const fname = p.filename ? `; filename="${p.filename}"` : "";
    out.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${p.name}"${fname}\r\n\r\n`));
    out.push(p.data, Buffer.from("\r\n"));
  }
  out.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(out);
}

async function parse(raw: Buffer, chunkSize: (i: number) => number) {
  const chunks: Buffer[] = [];
  for (let i = 0, at = 0; at < raw.length; i++) {
    const n = Math.max(1, chunkSize(i));
    chunks.push(raw.subarray(at, at + n));
    at += n;
  }
  const got: Array<PartInfo & { data: Buffer }> = [];
  await pipeline(
    Readable.from(chunks),
    new MultipartParser(BOUNDARY, (info) => {
      const parts: Buffer[] = [];
      return {
        write: (c) => {
          parts.push(Buffer.from(c));
        },
        end: () => {
          got.push({ ...info, data: Buffer.concat(parts) });
        },
      };
    }),
  );
  return got;
}

describe("MultipartParser", () => {
  const tricky = Buffer.concat([
    Buffer.from(`line\r\n--${BOUNDARY.slice(0, -1)}X not a boundary\r\n-`),
    Buffer.alloc(70_000, 7),
  ]);
  const raw = body([
    { name: "files[0].path", data: Buffer.from("/home/daytona/a.txt") },
    { name: "files[0].file", filename: "a.txt", data: tricky },
    { name: "empty", data: Buffer.alloc(0) },
  ]);

  for (const [label, size] of [
    ["one chunk", () => raw.length],
    ["1-byte chunks", () => 1],
    ["odd chunks", (i: number) => (i * 7919) % 97],
  ] as const) {
    it(`splits parts correctly with ${label}`, async () => {
      const parts = await parse(raw, size);
      expect(parts.map((p) => [p.name, p.filename])).toEqual([
        ["files[0].path", undefined],
        ["files[0].file", "a.txt"],
        ["empty", undefined],
      ]);
      expect(parts[0]?.data.toString()).toBe("/home/daytona/a.txt");
      expect(parts[1]?.data.equals(tricky)).toBe(true);
      expect(parts[2]?.data.length).toBe(0);
    });
  }

  it("rejects a body without its closing boundary", async () => {
    await expect(parse(raw.subarray(0, raw.length - 10), () => 1000)).rejects.toThrow(/closing boundary/);
  });

  it("reads the boundary from the content type", () => {
    expect(multipartBoundary(`multipart/form-data; boundary=${BOUNDARY}`)).toBe(BOUNDARY);
    expect(multipartBoundary('multipart/form-data; boundary="quoted b"')).toBe("quoted b");
    expect(multipartBoundary("application/octet-stream")).toBeUndefined();
  });
});
