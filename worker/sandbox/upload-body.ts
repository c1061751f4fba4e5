/**
 * A file as a one-part `multipart/form-data` body for daemons that only have `files/upload`
 * (`c.FormFile("file")` in apps/daemon/pkg/toolbox/fs/upload_file.go), streamed: the file's bytes pass through
 * between a small head and tail, never gathered in memory.
 */

type Body = ReadableStream<Uint8Array> | Uint8Array<ArrayBuffer> | string;

/** The body and its content type (with the boundary) for uploading `body` as `path`. */
export function multipartUpload(path: string, body: Body): { contentType: string; body: ReadableStream<Uint8Array> } {
  const boundary = `fleet-${crypto.randomUUID()}`;
  const name = (path.slice(path.lastIndexOf("/") + 1) || "file").replace(/["\r\n\\]/g, "_");
  const encoder = new TextEncoder();
  const head = encoder.encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n` +
      "Content-Type: application/octet-stream\r\n\r\n",
  );
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  const source = typeof body === "string" ? encoder.encode(body) : body;
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  let stage: "head" | "body" | "tail" | "done" = "head";
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (stage === "head") {
        controller.enqueue(head);
        stage = "body";
        return;
      }
      if (stage === "body") {
        if (source instanceof Uint8Array) {
          if (source.byteLength > 0) controller.enqueue(source);
          stage = "tail";
          return;
        }
        reader ??= source.getReader();
        const { done, value } = await reader.read();
        if (!done) {
          if (value.byteLength > 0) controller.enqueue(value);
          return;
        }
        stage = "tail";
      }
      if (stage === "tail") {
        controller.enqueue(tail);
        stage = "done";
        return;
      }
      controller.close();
    },
    async cancel(reason) {
      await (reader ?? (source instanceof ReadableStream ? source : null))?.cancel(reason);
    },
  });
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: stream };
}
