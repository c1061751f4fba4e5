/**
 * The Daytona provider against a stand-in SDK client that answers as real Daytona does (states, 409 while a change
 * is in progress, 400 in `error`, quotas as 400s, a daemon without `upload-v2`): what the product does with each.
 */
import type { Sandbox } from "@daytonaio/sdk";
import { describe, expect, it } from "vitest";
import { type DaytonaClient, daytonaProvider } from "./daytona";
import { toSandboxError } from "./errors";
import { lifecycleStep } from "./lifecycle";

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** A sandbox whose state moves through `script` on each refresh, recording what the provider asked of it. */
function fakeSandbox(states: string[], behaviour: Partial<Record<"start" | "recover" | "delete", () => void>> = {}) {
  const calls: string[] = [];
  const queue = [...states];
  const sandbox = {
    id: "sbx-1",
    state: queue.shift(),
    recoverable: true,
    toolboxProxyUrl: "https://proxy.test/toolbox",
    async refreshData() {
      calls.push("refresh");
      if (queue.length > 0) sandbox.state = queue.shift();
    },
    async start() {
      calls.push("start");
      behaviour.start?.();
      sandbox.state = "started";
    },
    async recover() {
      calls.push("recover");
      behaviour.recover?.();
      sandbox.state = "stopped";
    },
    async delete() {
      calls.push("delete");
      behaviour.delete?.();
    },
  };
  return { sandbox, calls };
}

function provider(sandbox: unknown, fetchImpl?: typeof fetch) {
  let clock = 0;
  const client = { get: async () => sandbox as Sandbox, create: async () => sandbox as Sandbox } as DaytonaClient;
  return daytonaProvider(
    { apiUrl: "https://api.test", apiKey: "key" },
    {
      client,
      fetch: fetchImpl,
      sleep: async (ms) => {
        clock += ms;
      },
      now: () => clock,
    },
  );
}

describe("sandbox lifecycle", () => {
  it("names a step for every state Daytona reports", () => {
    expect(lifecycleStep("started")).toBe("ready");
    for (const s of ["stopped", "archived", "paused"]) expect(lifecycleStep(s)).toBe("start");
    for (const s of ["destroying", "destroyed"]) expect(lifecycleStep(s)).toBe("gone");
    expect(lifecycleStep("error")).toBe("recover");
    expect(lifecycleStep("build_failed", false)).toBe("gone");
    for (const s of ["creating", "starting", "stopping", "archiving", "restoring", "pulling_snapshot", "unknown"]) {
      expect(lifecycleStep(s)).toBe("wait");
    }
  });

  it("waits out a transition, then starts the stopped sandbox", async () => {
    const { sandbox, calls } = fakeSandbox(["stopping", "stopping", "stopped"]);
    const found = await provider(sandbox).get("sbx-1");
    expect(calls).toEqual(["refresh", "refresh", "start", "refresh"]);
    expect(found.revived).toBe(true); // its processes are new: a REPL must be started again
  });

  it("says a sandbox found running was not revived", async () => {
    const { sandbox } = fakeSandbox(["started"]);
    expect((await provider(sandbox).get("sbx-1")).revived).toBe(false);
  });

  it("looks again when start answers 409 because an auto-stop raced it", async () => {
    let raced = false;
    const { sandbox, calls } = fakeSandbox(["stopped", "stopping", "stopped"], {
      start: () => {
        if (!raced) {
          raced = true;
          throw new HttpError(409, "State change in progress");
        }
      },
    });
    await provider(sandbox).get("sbx-1");
    expect(calls).toEqual(["start", "refresh", "refresh", "start", "refresh"]);
  });

  it("recovers a sandbox in error, then starts it", async () => {
    const { sandbox, calls } = fakeSandbox(["error"]);
    await provider(sandbox).get("sbx-1");
    expect(calls).toEqual(["recover", "refresh", "start", "refresh"]);
  });

  it("reports a sandbox that cannot recover, or is being deleted, as gone so a new one is made", async () => {
    const refused = fakeSandbox(["error"], {
      recover: () => {
        throw new HttpError(400, "Sandbox cannot be recovered");
      },
    });
    await expect(provider(refused.sandbox).get("sbx-1")).rejects.toMatchObject({ code: "not_found" });
    const deleting = fakeSandbox(["destroying"]);
    await expect(provider(deleting.sandbox).get("sbx-1")).rejects.toMatchObject({ code: "not_found" });
  });

  it("gives up on a transition that never ends, saying which state it stayed in", async () => {
    const { sandbox } = fakeSandbox(Array.from({ length: 200 }, () => "restoring"));
    await expect(provider(sandbox).get("sbx-1")).rejects.toMatchObject({
      code: "timeout",
      message: "The sandbox stayed 'restoring' for 90 s",
    });
  });

  it("counts a delete that meets a deletion in progress (409) or a missing sandbox (404) as done", async () => {
    const twice = fakeSandbox(["started", "destroying"], {
      delete: () => {
        throw new HttpError(409, "Sandbox is already being deleted");
      },
    });
    await provider(twice.sandbox).remove("sbx-1");
    expect(twice.calls).toEqual(["delete", "refresh"]);
    const missing = fakeSandbox(["started"], {
      delete: () => {
        throw new HttpError(404, "Sandbox not found");
      },
    });
    await provider(missing.sandbox).remove("sbx-1");
  });
});

describe("sandbox creation", () => {
  it("blocks egress and passes the retention schedule", async () => {
    const { sandbox } = fakeSandbox(["started"]);
    const seen: unknown[] = [];
    const client = {
      get: async () => sandbox as unknown as Sandbox,
      create: async (params: unknown) => {
        seen.push(params);
        return sandbox as unknown as Sandbox;
      },
    } as DaytonaClient;
    const p = daytonaProvider({ apiUrl: "https://api.test", apiKey: "key" }, { client });
    await p.create({
      labels: { tenant: "t", session: "s" },
      autoStopMinutes: 15,
      autoArchiveMinutes: 60,
      autoDeleteMinutes: 1440,
    });
    await p.create({ labels: { tenant: "t", run: "r" }, autoStopMinutes: 15, autoDeleteMinutes: 0 });
    expect(seen).toEqual([
      expect.objectContaining({
        networkBlockAll: true,
        autoStopInterval: 15,
        autoArchiveInterval: 60,
        autoDeleteInterval: 1440,
        labels: { tenant: "t", session: "s" },
      }),
      expect.objectContaining({ networkBlockAll: true, autoDeleteInterval: 0 }),
    ]);
    expect(seen[1]).not.toHaveProperty("autoArchiveInterval");
  });
});

describe("sandbox errors", () => {
  it("turns Daytona's quota 400s and rate limits into sandbox_quota_exceeded naming the limit", () => {
    const disk = toSandboxError(new HttpError(400, "Total disk limit exceeded. Maximum allowed: 30GiB"), "create");
    expect(disk).toMatchObject({ code: "sandbox_quota_exceeded", status: 503, details: { limit: "disk" } });
    expect(disk.message).toContain("stopped sandboxes count too");
    expect(disk.retryAfter).toBe(60);
    const cpu = toSandboxError(new HttpError(400, "Total CPU limit exceeded. Maximum allowed: 10"), "create");
    expect(cpu).toMatchObject({ code: "sandbox_quota_exceeded", details: { limit: "cpu" } });
    const rate = toSandboxError(new HttpError(429, "ThrottlerException", { "retry-after": "7" }), "create");
    expect(rate).toMatchObject({ code: "sandbox_quota_exceeded", retryAfter: 7, details: { limit: "rate" } });
    const other = toSandboxError(new HttpError(400, "Cannot specify Sandbox resources when using a snapshot"), "x");
    expect(other.code).toBe("sandbox_failed");
  });
});

describe("sandbox uploads", () => {
  /** A toolbox whose daemon predates `upload-v2`: 404 there, multipart `files/upload` works. */
  function oldDaemon() {
    const seen: Array<{ url: string; contentType: string | null; body: string }> = [];
    const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input);
      const body = init?.body ? await new Response(init.body as BodyInit).text() : "";
      seen.push({ url, contentType: new Headers(init?.headers).get("content-type"), body });
      expect(init?.redirect).toBe("manual");
      return new Response(url.includes("upload-v2") ? "404 page not found" : "", {
        status: url.includes("upload-v2") ? 404 : 200,
      });
    }) as typeof fetch;
    return { seen, fetchImpl };
  }

  it("falls back to a streamed multipart upload when the daemon has no upload-v2, and remembers it", async () => {
    const { sandbox } = fakeSandbox(["started"]);
    const daemon = oldDaemon();
    const handle = await provider(sandbox, daemon.fetchImpl).get("sbx-1");
    const stream = new Response("line 1\nline 2\n").body as ReadableStream<Uint8Array>;
    await handle.upload("/home/daytona/ctx/context.txt", stream);
    await handle.upload("/home/daytona/ctx/second.txt", "again");
    expect(daemon.seen.map((s) => new URL(s.url).pathname)).toEqual([
      "/toolbox/sbx-1/files/upload-v2",
      "/toolbox/sbx-1/files/upload",
      "/toolbox/sbx-1/files/upload",
    ]);
    const first = daemon.seen[1];
    const boundary = first?.contentType?.match(/boundary=(.+)$/)?.[1];
    expect(boundary).toBeTruthy();
    expect(first?.body).toBe(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="context.txt"\r\n` +
        `Content-Type: application/octet-stream\r\n\r\nline 1\nline 2\n\r\n--${boundary}--\r\n`,
    );
    expect(new URL(first?.url ?? "").searchParams.get("path")).toBe("/home/daytona/ctx/context.txt");
  });

  it("retries bytes on multipart after a 404 without a probe", async () => {
    const { sandbox } = fakeSandbox(["started"]);
    const daemon = oldDaemon();
    const handle = await provider(sandbox, daemon.fetchImpl).get("sbx-1");
    await handle.upload("/home/daytona/a.txt", "abc");
    expect(daemon.seen.map((s) => new URL(s.url).pathname.split("/").at(-1))).toEqual(["upload-v2", "upload"]);
    expect(daemon.seen[1]?.body).toContain("\r\n\r\nabc\r\n");
  });
});
