/**
 * The typed client (`client/`) against a real stack under `wrangler dev`: its helpers for what the generated calls
 * cannot do — stream an upload, follow a task's events to the end, verify the webhooks the product sends — and the
 * `npm run rlm` CLI built on it.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BenchStack, startBenchStack } from "../../bench/stack";
import {
  createFleetClient,
  FleetApiError,
  followTask,
  orThrow,
  type TaskEvent,
  uploadDocument,
  verifyWebhook,
} from "../../client/src/index";
import { makeNiah } from "../../dev/llm/fixtures";
import { startWebhookReceiver, type WebhookReceiver } from "../../dev/webhook-receiver";

const ROOT = resolve(import.meta.dirname, "..", "..");
const run = promisify(execFile);

/** `text` as a stream of small chunks with no length known up front, as a file read from disk arrives. */
function streamOf(text: string, chunkBytes = 4096): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunkBytes));
      offset += chunkBytes;
    },
  });
}

/** Polls `probe` until it returns a value (a delivery is sent by the task's alarm, after the task has ended). */
async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 240; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe.skipIf(process.platform !== "linux")("the typed client against the stack", () => {
  let stack: BenchStack;
  let receiver: WebhookReceiver;
  let dir: string;
  const niah = makeNiah({ chars: 60_000, seed: 7 });

  beforeAll(async () => {
    [stack, receiver, dir] = await Promise.all([
      startBenchStack(),
      startWebhookReceiver(),
      mkdtemp(join(tmpdir(), "fleet-client-")),
    ]);
  }, 180_000);
  afterAll(async () => {
    await Promise.all([stack?.stop(), receiver?.stop(), dir && rm(dir, { recursive: true, force: true })]);
  });

  it("uploads a stream of unknown length, and a refused upload is a FleetApiError with the API's code", async () => {
    const doc = await uploadDocument(stack.client, { name: "haystack.txt", body: streamOf(niah.context) });
    expect(doc.bytes).toBe(new TextEncoder().encode(niah.context).length);
    const read = orThrow(await stack.client.GET("/v1/documents/{id}", { params: { path: { id: doc.id } } }));
    expect(read.name).toBe("haystack.txt");

    const refused = await uploadDocument(stack.client, { name: "image.png", body: streamOf("x") }).catch((e) => e);
    expect(refused).toBeInstanceOf(FleetApiError);
    expect(refused).toMatchObject({ status: 415, code: "unsupported_media_type" });
  });

  it("follows a task's events to its end, each once, and resumes after a given seq", async () => {
    const doc = await uploadDocument(stack.client, {
      name: "follow.txt",
      body: niah.context,
      contentType: "text/plain",
    });
    const { id } = orThrow(
      await stack.client.POST("/v1/tasks", { body: { mode: "rlm", query: niah.question, documents: [doc.id] } }),
    );
    const events: TaskEvent[] = [];
    const task = await followTask(stack.client, id, { onEvent: (e) => events.push(e) });
    expect(task.status).toBe("completed");
    expect(task.answer).toContain(niah.value);
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(events.map((e) => e.kind)).toContain("rlm_started");

    // Following an ended task replays from the point asked for, and returns at once.
    const half = Math.floor(events.length / 2);
    const later: TaskEvent[] = [];
    await followTask(stack.client, id, { after: half, onEvent: (e) => later.push(e) });
    expect(later).toEqual(events.slice(half));

    const missing = await followTask(stack.client, crypto.randomUUID()).catch((e) => e);
    expect(missing).toMatchObject({ status: 404, code: "not_found" });
  });

  it("verifies the webhook the product sends when a task ends, and refuses it with another secret", async () => {
    const endpoint = orThrow(
      await stack.client.POST("/v1/webhooks/endpoints", {
        body: { direction: "outbound", name: "client test", url: `${receiver.url}/hook`, events: ["task.completed"] },
      }),
    );
    const { id } = orThrow(
      await stack.client.POST("/v1/tasks", { body: { mode: "rlm", query: niah.question, context: niah.context } }),
    );
    await followTask(stack.client, id);
    const delivery = await until(async () => {
      const res = await fetch(`${receiver.url}/__admin/received?path=/hook`);
      const { requests } = (await res.json()) as { requests: Array<{ headers: Record<string, string>; body: string }> };
      return requests.find((r) => r.body.includes(id));
    }, "the task.completed delivery");

    const verified = await verifyWebhook({ headers: delivery.headers, body: delivery.body, secret: endpoint.secret });
    expect(verified).toMatchObject({ ok: true, id: delivery.headers["webhook-id"] });
    const other = orThrow(
      await stack.client.POST("/v1/webhooks/endpoints", {
        body: { direction: "outbound", name: "other", url: `${receiver.url}/other`, events: ["task.failed"] },
      }),
    );
    expect(await verifyWebhook({ headers: delivery.headers, body: delivery.body, secret: other.secret })).toEqual({
      ok: false,
      reason: "bad_signature",
    });
  });

  it("runs `npm run rlm` through the client, and reports a refused key by its code", async () => {
    const context = join(dir, "haystack.txt");
    await writeFile(context, niah.context);
    const cli = ["tsx", "dev/rlm-cli.ts", "--url", stack.url, "--context", context, "--query", niah.question];
    const ok = await run("npx", [...cli, "--key", stack.apiKey], { cwd: ROOT });
    expect(ok.stdout).toMatch(/^status {6}completed$/m);
    expect(ok.stdout).toContain(`answer      ${niah.value}`);

    const refused = await run("npx", [...cli, "--key", "frk_not_a_key"], { cwd: ROOT }).catch((e) => e);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("could not start the run (401 unauthenticated)");
  });

  it("sends no credential when none is given, and the API refuses it", async () => {
    const anonymous = createFleetClient({ baseUrl: stack.url });
    const result = await anonymous.GET("/v1/me");
    expect(result.response.status).toBe(401);
    expect(result.error?.error.code).toBe("unauthenticated");
  });
});
