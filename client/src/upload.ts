/** Document upload: the route takes the raw file as its body, which a generated JSON call cannot send as a stream. */
import { type FleetClient, orThrow } from "./client";
import type { components } from "./schema";

/** A stored document, as `POST /v1/documents` answers. */
export type Document = components["schemas"]["Document"];

/** What to upload. */
export interface UploadInput {
  /** File name; its extension picks the format (`.txt`, `.md`, `.pdf`, …). */
  name: string;
  /** The content; a stream is sent as it is read, never held whole in memory. */
  body: ReadableStream<Uint8Array> | Blob | Uint8Array | string;
  /** Defaults to `application/octet-stream`; the server goes by the name's extension. */
  contentType?: string;
  signal?: AbortSignal;
}

/**
 * Uploads one document and returns it; a refusal (413 over the plan's size, 415 an unknown extension, …) throws a
 * `FleetApiError`.
 * @example
 * const doc = await uploadDocument(api, { name: "report.txt", body: Readable.toWeb(createReadStream("report.txt")) });
 */
export async function uploadDocument(client: FleetClient, input: UploadInput): Promise<Document> {
  const result = await client.POST("/v1/documents", {
    params: { query: { name: input.name } },
    // SAFETY: the spec types a binary body as `string`; every `BodyInit` is sent as it is, unserialised.
    body: input.body as string,
    bodySerializer: (body: unknown) => body,
    headers: { "content-type": input.contentType ?? "application/octet-stream" },
    // Needed by fetch to send a ReadableStream body (the request streams while the response has not begun).
    duplex: "half",
    signal: input.signal,
  });
  return orThrow(result);
}
