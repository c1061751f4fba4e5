/**
 * Contract test: the unmodified `@daytonaio/sdk` drives the dev sandbox server through the whole lifecycle, and its
 * typed errors come out of our status codes (daytona-api-subset.md §3, §6).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  Daytona,
  DaytonaAuthenticationError,
  DaytonaNotFoundError,
  DaytonaRateLimitError,
  DaytonaValidationError,
} from "@daytonaio/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NO_LATENCY, type SandboxServer, startSandboxServer } from "./index";

const API_KEY = "contract-test-key";
let root: string;
let server: SandboxServer;
let daytona: Daytona;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "sbx-contract-"));
  server = await startSandboxServer({ latency: NO_LATENCY, apiKey: API_KEY, root, maxSandboxes: 3 });
  daytona = new Daytona({ apiKey: API_KEY, apiUrl: server.apiUrl, useDeprecatedPolling: true });
});

afterAll(async () => {
  await server?.stop();
  await rm(root, { recursive: true, force: true });
});

describe("dev sandbox server driven by @daytonaio/sdk", () => {
  it("runs create → upload → exec → preview → stop → start → get → list → delete", async () => {
    const label = `contract-${Date.now()}`;
    const sandbox = await daytona.create({ language: "python", labels: { app: label }, envVars: { GREETING: "hi" } });
    expect(sandbox.state).toBe("started");
    expect(sandbox.labels).toMatchObject({ app: label, "code-toolbox-language": "python" });

    await sandbox.fs.uploadFile(Buffer.from("payload-1"), "/home/daytona/in/one.txt");
    const big = Buffer.alloc(8 * 1024 * 1024, 0x61);
    await sandbox.fs.uploadFile(big, "data/big.bin"); // relative to the home directory
    const run = await sandbox.process.executeCommand(
      'cat in/one.txt; echo; echo "$GREETING $EXTRA"; wc -c < data/big.bin; pwd',
      undefined,
      { EXTRA: "there" },
      10,
    );
    expect(run.exitCode).toBe(0);
    expect(run.result.split("\n")).toEqual(["payload-1", "hi there", String(big.length), "/home/daytona", ""]);
    const failing = await sandbox.process.executeCommand("echo oops >&2; exit 3");
    expect(failing).toMatchObject({ exitCode: 3, result: "oops\n" });

    const link = await sandbox.getPreviewLink(8080);
    expect(link.url).toBe(`${server.url}/preview/${sandbox.id}/8080`);
    expect(link.token).toMatch(/^[\w-]{20,}$/);
    // A missing token is a 307 to the login page, as on Daytona (apps/proxy/pkg/proxy/auth.go), not a 401.
    const anon = await fetch(`${link.url}/health`, { redirect: "manual" });
    expect(anon.status).toBe(307);
    expect(anon.headers.get("location")).toMatch(/\/__login\?returnTo=/);
    // Nothing listens on 8080 yet: the proxy says so instead of hanging.
    const noListener = await fetch(`${link.url}/health`, { headers: { "x-daytona-preview-token": link.token } });
    expect(noListener.status).toBe(502);

    await sandbox.stop();
    expect(sandbox.state).toBe("stopped");
    await sandbox.start();
    expect(sandbox.state).toBe("started");
    expect((await sandbox.getPreviewLink(8080)).token).not.toBe(link.token); // restart rotates preview tokens
    const again = await sandbox.process.executeCommand("cat in/one.txt");
    expect(again.result).toBe("payload-1"); // files survive stop/start

    const fetched = await daytona.get(sandbox.id);
    expect(fetched.id).toBe(sandbox.id);
    expect(fetched.env).toEqual({ GREETING: "hi" });

    const listed = [];
    for await (const s of daytona.list({ labels: { app: label } })) listed.push(s.id);
    expect(listed).toEqual([sandbox.id]);
    const none = [];
    for await (const s of daytona.list({ labels: { app: `${label}-other` } })) none.push(s.id);
    expect(none).toEqual([]);

    await sandbox.delete(60, true); // Daytona's delete returns while `destroying`; wait for `destroyed`
    await expect(daytona.get(sandbox.id)).rejects.toBeInstanceOf(DaytonaNotFoundError);
  });

  it("maps errors to the SDK's typed errors", async () => {
    await expect(daytona.get("does-not-exist")).rejects.toSatisfy(
      (e) => e instanceof DaytonaNotFoundError && /does-not-exist not found/.test((e as Error).message),
    );
    const wrongKey = new Daytona({ apiKey: "wrong", apiUrl: server.apiUrl, useDeprecatedPolling: true });
    await expect(wrongKey.get("x")).rejects.toBeInstanceOf(DaytonaAuthenticationError);

    const sandbox = await daytona.create({ labels: { app: "errors" } });
    try {
      await expect(sandbox.fs.uploadFile(Buffer.from("x"), "/etc/evil")).rejects.toBeInstanceOf(DaytonaValidationError);
      await expect(sandbox.fs.uploadFile(Buffer.from("x"), "../../escape")).rejects.toBeInstanceOf(
        DaytonaValidationError,
      );
      // A symlink planted inside the sandbox must not redirect a host-side write.
      await sandbox.process.executeCommand("ln -s /etc link");
      await expect(sandbox.fs.uploadFile(Buffer.from("x"), "link/evil")).rejects.toBeInstanceOf(DaytonaValidationError);

      const created = [sandbox];
      try {
        created.push(await daytona.create({}), await daytona.create({}));
        const over = daytona.create({});
        await expect(over).rejects.toBeInstanceOf(DaytonaRateLimitError);
      } finally {
        for (const s of created.slice(1)) await s.delete();
      }
    } finally {
      await sandbox.delete();
    }
  });

  it("answers bad requests with NestJS-style string messages", async () => {
    const headers = { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" };
    const res = await fetch(`${server.apiUrl}/sandbox`, { method: "POST", headers, body: '{"cpu":"many"}' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ statusCode: 400, error: "Bad Request" });
    expect(body.message).toEqual(expect.stringContaining("cpu"));
    const missing = await fetch(`${server.apiUrl}/sandbox/nope`, { headers });
    expect(await missing.json()).toMatchObject({ statusCode: 404, message: "Sandbox with ID or name nope not found" });
  });

  it("streams raw and multipart bodies with upload-v2 and returns from backgrounded commands", async () => {
    const sandbox = await daytona.create({});
    try {
      const auth = { authorization: `Bearer ${API_KEY}` };
      const toolbox = `${server.url}/toolbox/${sandbox.id}`;
      const raw = await fetch(`${toolbox}/files/upload-v2?path=${encodeURIComponent("/home/daytona/a/b/raw.txt")}`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/octet-stream" },
        body: new ReadableStream({
          start(c) {
            c.enqueue(new TextEncoder().encode("raw "));
            c.enqueue(new TextEncoder().encode("bytes"));
            c.close();
          },
        }),
        duplex: "half",
      } as RequestInit);
      expect(raw.status).toBe(200);
      expect(await raw.json()).toMatchObject({ name: "raw.txt", path: "/home/daytona/a/b/raw.txt", type: "file" });
      const form = new FormData();
      form.append("file", new Blob(["form bytes"]), "x.bin");
      const multi = await fetch(`${toolbox}/files/upload-v2?path=form.txt`, {
        method: "POST",
        headers: auth,
        body: form,
      });
      expect(multi.status).toBe(200);
      const noPath = await fetch(`${toolbox}/files/upload-v2`, { method: "POST", headers: auth, body: "x" });
      expect(noPath.status).toBe(400);

      const started = Date.now();
      const bg = await sandbox.process.executeCommand("nohup sleep 20 > /dev/null 2>&1 & nohup sleep 20 & echo ok");
      expect(bg.result.trim()).toBe("ok");
      expect(Date.now() - started).toBeLessThan(2000);
      const check = await sandbox.process.executeCommand(
        "cat a/b/raw.txt; echo; cat form.txt; echo; ps -e | grep -c sleep",
      );
      expect(check.result.split("\n")).toEqual(["raw bytes", "form bytes", "2", ""]);
      await expect(sandbox.process.executeCommand("sleep 5", undefined, undefined, 1)).rejects.toMatchObject({
        statusCode: 408,
      });
    } finally {
      await sandbox.delete();
    }
  });
});
