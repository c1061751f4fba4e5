/**
 * The maintenance sweep for uploads whose request died without cleaning up (the isolate was evicted, a deploy cut
 * it, a CPU limit ended it): their rows would say `uploading` forever. Each is removed with whatever it stored, as
 * a failed upload always is (parts of an unfinished multipart upload expire by R2's own lifecycle rule).
 */
import type { Db } from "../db/client";
import { staleUploads } from "../db/queries/documents";
import { repos } from "../db/repos";
import { originalKey } from "./upload";

/**
 * An upload still running after this long is dead: at the slowest rate seen on a 2-vCPU machine (19 MB/s), 6 hours
 * carries 400 GB, eight times the largest plan's limit.
 */
export const STALE_UPLOAD_MS = 6 * 60 * 60 * 1000;
/** Rows handled per sweep; a backlog drains over the following sweeps. */
const SWEEP_BATCH = 200;

/** Removes stale uploads and their stored bytes; returns how many. */
export async function sweepStaleUploads(db: Db, bucket: R2Bucket, now = Date.now()): Promise<number> {
  const stale = await staleUploads(db, new Date(now - STALE_UPLOAD_MS), SWEEP_BATCH);
  for (const upload of stale) {
    await bucket.delete([upload.r2Key, originalKey(upload.r2Key)]);
    await repos.documents.remove(db, upload.tenantId, upload.id);
  }
  return stale.length;
}
