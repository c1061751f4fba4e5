/**
 * A 1 GB document streams through a real `wrangler dev` Worker into local R2 without being held in memory: workerd's
 * resident set is sampled during the upload and must grow by well under the document's size. The figure includes
 * wrangler's local R2 simulator, which runs in the same workerd and keeps uploaded parts until V8 collects them, so
 * it is an upper bound on the Worker's own use (one 8 MiB part at a time on this path).
 */
import { readdirSync, readFileSync } from "node:fs";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BenchStack, startBenchStack } from "../../bench/stack";
import { uploadDocument } from "../../client/src/index";
import { tenants } from "../../worker/db/schema";

const GIB = 1024 * 1024 * 1024;
/**
 * Half the document: a Worker that buffered the upload would add the whole gigabyte (and be killed at 128 MB in
 * production); measured growth here is 350–400 MiB, most of it the simulator's uncollected garbage.
 */
const MAX_GROWTH_BYTES = GIB / 2;

/** Resident memory (bytes) of every `workerd` process descended from this one. */
function workerdRss(): number {
  const parent = new Map<number, number>();
  const comm = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      comm.set(Number(entry), stat.slice(stat.indexOf("(") + 1, close));
      parent.set(Number(entry), Number(stat.slice(close + 2).split(" ")[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const descends = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === process.pid) return true;
    return false;
  };
  let total = 0;
  for (const [pid, name] of comm) {
    if (name !== "workerd" || !descends(pid)) continue;
    try {
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
      total += Number(rss ?? 0) * 1024;
    } catch {
      // Gone.
    }
  }
  return total;
}

/** `bytes` of text, produced as it is read, never held. */
function generated(bytes: number): ReadableStream<Uint8Array> {
  const line = new TextEncoder().encode(`${"lorem ipsum dolor sit amet ".repeat(37)}\n`);
  const chunk = new Uint8Array(1024 * 1024);
  for (let i = 0; i < chunk.length; i += line.length)
    chunk.set(line.subarray(0, Math.min(line.length, chunk.length - i)), i);
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      const n = Math.min(chunk.length, bytes - sent);
      controller.enqueue(n === chunk.length ? chunk.slice() : chunk.slice(0, n));
      sent += n;
    },
  });
}

describe.skipIf(process.platform !== "linux")("large uploads", () => {
  let stack: BenchStack;
  beforeAll(async () => {
    stack = await startBenchStack();
    const handle = stack.openDb();
    await handle.db.update(tenants).set({ plan: "team" }).where(eq(tenants.id, stack.tenantId));
    await handle.close();
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it("streams 1 GB into storage with flat Worker memory", async () => {
    const before = workerdRss();
    expect(before).toBeGreaterThan(0);
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, workerdRss());
    }, 100);
    const started = Date.now();
    // A stream has no Content-Length: the Worker takes its multipart path, holding one 8 MiB part at a time.
    const doc = await uploadDocument(stack.client, {
      name: "big.txt",
      body: generated(GIB),
      contentType: "text/plain",
    });
    clearInterval(sampler);
    const seconds = (Date.now() - started) / 1000;
    expect(doc.bytes).toBe(GIB);
    const growth = peak - before;
    console.log(
      `1 GiB upload: ${seconds.toFixed(1)} s (${(1024 / seconds).toFixed(0)} MB/s); workerd RSS ${(before / 2 ** 20).toFixed(0)} → peak ${(peak / 2 ** 20).toFixed(0)} MiB`,
    );
    expect(growth).toBeLessThan(MAX_GROWTH_BYTES);
  }, 300_000);
});
