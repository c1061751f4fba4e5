import { Writable } from "node:stream";

/** Headers of one multipart part, names lower-cased, plus the parsed `Content-Disposition` fields. */
export interface PartInfo {
  name: string;
  filename: string | undefined;
  headers: Record<string, string>;
}

/** Where a part's bytes go. Returned promises apply back-pressure to the upload. */
export interface PartSink {
  write(chunk: Buffer): void | Promise<void>;
  end(): void | Promise<void>;
}

/** Decides, per part, where its bytes go. */
export type PartHandler = (part: PartInfo) => PartSink | Promise<PartSink>;

/** Most header bytes one part may have; real clients send a few hundred. */
const MAX_HEADER_BYTES = 16 * 1024;

/** Extracts the boundary from a `multipart/form-data; boundary=...` content type, or undefined. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\//i.test(contentType)) return undefined;
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m?.[1] ?? m?.[2];
}

/**
 * A streaming `multipart/form-data` parser: pipe a request into it and it hands each part's bytes to a sink as they
 * arrive, holding at most one chunk plus a boundary's length in memory. Back-pressure flows from the sinks to the
 * request because `_write` completes only after the sink accepted the data.
 *
 * @example
 * await pipeline(req, new MultipartParser(boundary, (part) => sinkFor(part)));
 */
export class MultipartParser extends Writable {
  private readonly delimiter: Buffer;
  // The body is parsed as if it started with CRLF, so the first boundary looks like every other one.
  private buf: Buffer = Buffer.from("\r\n");
  private state: "preamble" | "headers" | "body" | "after" | "done" = "preamble";
  private sink: PartSink | undefined;

  constructor(
    boundary: string,
    private readonly handler: PartHandler,
  ) {
    super();
    this.delimiter = Buffer.from(`\r\n--${boundary}`);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    this.drain().then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void) {
    if (this.state !== "done") cb(new Error("multipart body ended before its closing boundary"));
    else cb();
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.state === "preamble" || this.state === "body") {
        const at = this.buf.indexOf(this.delimiter);
        if (at < 0) {
          // Keep a tail that could be the start of a delimiter split across chunks.
          const keep = Math.min(this.buf.length, this.delimiter.length - 1);
          const safe = this.buf.length - keep;
          if (safe > 0 && this.state === "body") await this.sink?.write(this.buf.subarray(0, safe));
          this.buf = this.buf.subarray(safe);
          return;
        }
        if (this.state === "body") {
          if (at > 0) await this.sink?.write(this.buf.subarray(0, at));
          await this.sink?.end();
          this.sink = undefined;
        }
        this.buf = this.buf.subarray(at + this.delimiter.length);
        this.state = "after";
      } else if (this.state === "after") {
        if (this.buf.length < 2) return;
        if (this.buf[0] === 0x2d && this.buf[1] === 0x2d) {
          this.state = "done";
          this.buf = Buffer.alloc(0);
          return;
        }
        const eol = this.buf.indexOf("\r\n");
        if (eol < 0) {
          if (this.buf.length > 256) throw new Error("malformed multipart boundary line");
          return;
        }
        this.buf = this.buf.subarray(eol + 2); // transport padding after the boundary is allowed
        this.state = "headers";
      } else if (this.state === "headers") {
        const end = this.buf.indexOf("\r\n\r\n");
        if (end < 0) {
          if (this.buf.length > MAX_HEADER_BYTES) throw new Error("multipart part headers too large");
          return;
        }
        const info = parseHeaders(this.buf.subarray(0, end).toString("utf8"));
        this.buf = this.buf.subarray(end + 4);
        this.sink = await this.handler(info);
        this.state = "body";
        // An empty part: the buffer may now start right at the next delimiter minus its CRLF prefix.
      } else {
        this.buf = Buffer.alloc(0); // epilogue: ignored
        return;
      }
    }
  }
}

function parseHeaders(text: string): PartInfo {
  const headers: Record<string, string> = {};
  for (const line of text.split("\r\n")) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const disposition = headers["content-disposition"] ?? "";
  const field = (key: string) => {
    const m = new RegExp(`(?:^|;)\\s*${key}="((?:[^"\\\\]|\\\\.)*)"`, "i").exec(disposition);
    if (m?.[1] !== undefined) return m[1].replace(/\\(.)/g, "$1");
    return new RegExp(`(?:^|;)\\s*${key}=([^;]+)`, "i").exec(disposition)?.[1]?.trim();
  };
  return { name: field("name") ?? "", filename: field("filename"), headers };
}
