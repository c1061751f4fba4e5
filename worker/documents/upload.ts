/**
 * Stores an upload in R2 without ever holding it whole: bytes are counted and hashed as they pass, the size limit is
 * enforced mid-stream, and the object is written either as one streamed put (length known up front) or as a
 * multipart upload of fixed-size parts (length unknown, or the text of an HTML page or PDF). A PDF is the exception
 * that is held whole, up to its own limit, because its structure is read from the end of the file.
 */
import { AppError } from "../errors";
import { concatBytes } from "./bytes";
import type { DocumentKind } from "./formats";
import { htmlToText } from "./html-text";
import { MAX_PDF_BYTES, pdfText } from "./pdf";

/**
 * Multipart part size: R2 needs ≥ 5 MiB for every part but the last; 8 MiB keeps the one part in memory small and
 * allows uploads up to 80 GB within R2's 10,000 parts.
 */
const PART_BYTES = 8 * 1_048_576;
/** A single put is limited to 5 GB; larger known-length uploads go multipart too. */
const MAX_SINGLE_PUT_BYTES = 5_000_000_000;

export interface StoredUpload {
  /** Bytes received (the original file). */
  receivedBytes: number;
  /** Bytes stored (equal to received except for HTML and PDF, which are stored as their text). */
  storedBytes: number;
  sha256: string;
}

function hex(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Counts and hashes the bytes that pass, failing the stream once they exceed `maxBytes`. */
function meter(maxBytes: number) {
  // SAFETY: workerd exposes DigestStream on `crypto` (not as a global); the DOM lib's Crypto type hides it.
  const { DigestStream: Digest } = crypto as unknown as { DigestStream: typeof DigestStream };
  const digest = new Digest("SHA-256");
  const digestWriter = digest.getWriter();
  let bytes = 0;
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, controller) {
      bytes += chunk.byteLength;
      if (bytes > maxBytes) {
        throw new AppError("payload_too_large", `The document exceeds your plan's limit of ${maxBytes} bytes`, {
          details: { maxBytes },
        });
      }
      // In step with the upload, so hashing never buffers ahead of it.
      await digestWriter.write(chunk);
      controller.enqueue(chunk);
    },
    async flush() {
      await digestWriter.close();
    },
  });
  return { stream, bytes: () => bytes, sha256: async () => hex(await digest.digest) };
}

function pdfTooLarge(): AppError {
  return new AppError(
    "payload_too_large",
    `A PDF is read whole in memory, so it may be at most ${MAX_PDF_BYTES} bytes; split it, or upload its text`,
    { details: { maxBytes: MAX_PDF_BYTES } },
  );
}

/** The whole stream in one buffer, refusing past `maxBytes`. */
async function readWhole(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw pdfTooLarge();
    }
    chunks.push(value);
  }
  return concatBytes(chunks);
}

function countBytes() {
  let bytes = 0;
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      bytes += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { stream, bytes: () => bytes };
}

async function multipartPut(
  bucket: R2Bucket,
  key: string,
  body: ReadableStream<Uint8Array>,
  options: R2MultipartOptions,
): Promise<void> {
  const upload = await bucket.createMultipartUpload(key, options);
  const parts: R2UploadedPart[] = [];
  const reader = body.getReader();
  let buffered: Uint8Array[] = [];
  let size = 0;
  const flush = async () => {
    const part = concatBytes(buffered);
    buffered = [];
    size = 0;
    parts.push(await upload.uploadPart(parts.length + 1, part));
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffered.push(value);
      size += value.byteLength;
      if (size >= PART_BYTES) await flush();
    }
    if (size > 0 || parts.length === 0) await flush();
    await upload.complete(parts);
  } catch (err) {
    await upload.abort().catch(() => {});
    throw err;
  }
}

/**
 * Where the uploaded file itself is kept when what the readers use is its extracted text (HTML, PDF): beside it, so
 * the user can always download what they uploaded.
 */
export function originalKey(key: string): string {
  return `${key}.original`;
}

/** Streams `body` into R2 under `key`; throws `payload_too_large` (nothing stored) past `maxBytes`. */
export async function storeUpload(input: {
  bucket: R2Bucket;
  key: string;
  body: ReadableStream<Uint8Array>;
  /** The request's Content-Length, when it sent one. */
  declaredBytes: number | null;
  maxBytes: number;
  kind: DocumentKind;
  contentType: string;
}): Promise<StoredUpload> {
  const { bucket, key } = input;
  if (input.declaredBytes !== null && input.declaredBytes > input.maxBytes) {
    throw new AppError("payload_too_large", `The document exceeds your plan's limit of ${input.maxBytes} bytes`, {
      details: { maxBytes: input.maxBytes },
    });
  }
  if (input.kind === "pdf" && input.declaredBytes !== null && input.declaredBytes > MAX_PDF_BYTES) throw pdfTooLarge();
  const metered = meter(input.maxBytes);
  const received = input.body.pipeThrough(metered.stream);
  const asText = input.kind === "html" || input.kind === "pdf";
  const httpMetadata = { contentType: asText ? "text/plain; charset=utf-8" : input.contentType };
  try {
    if (asText) {
      const counted = countBytes();
      const original = { httpMetadata: { contentType: input.contentType } };
      // A multipart upload that fails midway (a PDF found unreadable at its end) is aborted: nothing is stored.
      if (input.kind === "html") {
        const [forText, forOriginal] = received.tee();
        // Both settle before the cleanup below: the original's upload goes on when the text fails (an unreadable
        // page), and deleting before it completes would leave it behind.
        const puts = await Promise.allSettled([
          multipartPut(bucket, key, htmlToText(forText).pipeThrough(counted.stream), { httpMetadata }),
          multipartPut(bucket, originalKey(key), forOriginal, original),
        ]);
        const failed = puts.find((put) => put.status === "rejected");
        if (failed) throw failed.reason;
      } else {
        const whole = await readWhole(received, MAX_PDF_BYTES);
        await multipartPut(bucket, key, pdfText(whole).pipeThrough(counted.stream), { httpMetadata });
        await bucket.put(originalKey(key), whole, original);
      }
      return { receivedBytes: metered.bytes(), storedBytes: counted.bytes(), sha256: await metered.sha256() };
    }
    if (input.declaredBytes !== null && input.declaredBytes <= MAX_SINGLE_PUT_BYTES) {
      // R2 needs to know a streamed body's length; FixedLengthStream also fails the put if the client sends less.
      const fixed = new FixedLengthStream(input.declaredBytes);
      const [, put] = await Promise.all([
        received.pipeTo(fixed.writable),
        bucket.put(key, fixed.readable, { httpMetadata }),
      ]);
      if (!put) throw new AppError("internal", "The document could not be stored");
    } else {
      await multipartPut(bucket, key, received, { httpMetadata });
    }
    return { receivedBytes: metered.bytes(), storedBytes: metered.bytes(), sha256: await metered.sha256() };
  } catch (err) {
    await bucket.delete([key, originalKey(key)]).catch(() => {});
    throw err;
  }
}
