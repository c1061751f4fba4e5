/**
 * Call content in R2, gzip-compressed with `CompressionStream`: one object per recorded step, under the tenant and
 * the root run so a run tree's content is read and deleted by prefix and never crosses tenants.
 */
import type { CallContent } from "./record";

/** The minimum of an R2 bucket this module uses. */
export type ContentBucket = Pick<R2Bucket, "put" | "get" | "list" | "delete">;

/** Where step `index` of run `runId` (in the tree rooted at `rootRunId`) keeps its content. */
export function contentKey(tenantId: string, rootRunId: string, runId: string, index: number): string {
  return `${treePrefix(tenantId, rootRunId)}${runId}/${index}.json.gz`;
}

/** The prefix of every content object of one run tree. */
export function treePrefix(tenantId: string, rootRunId: string): string {
  return `trace/${tenantId}/${rootRunId}/`;
}

async function gzip(text: string): Promise<ArrayBuffer> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Response(stream).arrayBuffer();
}

/** Stores one call's content. */
export async function putContent(bucket: ContentBucket, key: string, content: CallContent): Promise<void> {
  await bucket.put(key, await gzip(JSON.stringify(content)), {
    httpMetadata: { contentType: "application/json", contentEncoding: "gzip" },
  });
}

/** One call's content, or null when none was stored. */
export async function getContent(bucket: ContentBucket, key: string): Promise<CallContent | null> {
  const object = await bucket.get(key);
  if (!object) return null;
  const text = await new Response(object.body.pipeThrough(new DecompressionStream("gzip"))).text();
  // SAFETY: only putContent writes under these keys, always a CallContent.
  return JSON.parse(text) as CallContent;
}

/** Deletes a run tree's content (e.g. with its session or task); returns how many objects went. */
export async function deleteTreeContent(bucket: ContentBucket, tenantId: string, rootRunId: string): Promise<number> {
  const prefix = treePrefix(tenantId, rootRunId);
  let deleted = 0;
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor });
    const keys = page.objects.map((o) => o.key);
    if (keys.length > 0) await bucket.delete(keys);
    deleted += keys.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return deleted;
}
