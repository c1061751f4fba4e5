/**
 * The product against the faithful dev sandbox server, one test per mismatch of daytona-production.md §3: each turns
 * on the matching fault for its own sandbox or label (`/__admin/faults`, so parallel files are unaffected) and
 * asserts what the product recorded — a run's error code, an exec's output, the session's sandbox events.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { AgentEvent } from "../../worker/agent/tool";
import { REPL_PORT, REPL_SERVER_PATH } from "../../worker/contracts/repl";
import { daytonaProvider, daytonaSettings, ReplSession, type SandboxHandle } from "../../worker/sandbox";
import { sessionSandbox } from "../../worker/session/session-sandbox";
import type { SessionSandbox } from "../../worker/session/session-state";
import { call, expectJson, newTenant, until, useTestDb } from "./harness";
import { script } from "./session-client";

const handle = useTestDb();
const provider = daytonaProvider(daytonaSettings(env));
/** The dev server's API (`…/api`), as the global setup provides it. */
const apiUrl = env.DAYTONA_API_URL ?? "";
const origin = new URL(apiUrl).origin;
const bearer = { authorization: `Bearer ${env.DAYTONA_API_KEY}`, "content-type": "application/json" };

/** Turns faults on (or off, with `null`) for one sandbox or one label on the dev server. */
async function faults(scope: { sandboxId: string } | { label: { key: string; value: string } }, set: object | null) {
  const res = await fetch(`${origin}/__admin/faults`, {
    method: "POST",
    headers: bearer,
    body: JSON.stringify({ ...scope, faults: set }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

/** The sandbox as the Daytona API reports it, or 404. */
async function sandboxRecord(id: string): Promise<{ status: number; state?: string; networkBlockAll?: boolean }> {
  const res = await fetch(`${apiUrl}/sandbox/${id}`, { headers: bearer });
  const body = (await res.json()) as { state?: string; networkBlockAll?: boolean };
  return { status: res.status, ...body };
}

/** A session's `execute_code` sandbox, as the session object wires it, with its state and events in view. */
function session() {
  let stored: SessionSandbox | null = null;
  let saved: Uint8Array<ArrayBuffer> | null = null;
  const events: Array<AgentEvent["data"]> = [];
  const tenant = `faults-${crypto.randomUUID()}`;
  const sandbox = sessionSandbox({
    provider,
    labels: { tenant, session: crypto.randomUUID() },
    load: () => stored,
    save: (s) => {
      stored = s;
    },
    variables: {
      load: async () => saved,
      save: async (data) => {
        saved = data;
      },
    },
    emit: (e) => events.push(e.data),
  });
  const exec = (code: string, timeoutMs = 30_000) =>
    sandbox.exec(code, { timeoutMs, signal: new AbortController().signal });
  return { sandbox, exec, events, tenant, id: () => stored?.sandboxId ?? "" };
}

async function startRlmRun(key: string, planner: string): Promise<string> {
  const body = { query: "q", context: "a context of a few words", models: { planner } };
  const { id } = await expectJson<{ id: string }>(await call("/v1/rlm/runs", { method: "POST", key, json: body }), 202);
  return id;
}

async function finishedRun(key: string, id: string) {
  return until(
    async () => {
      const run = await expectJson<{
        status: string;
        answer: string | null;
        error: { code: string; message: string } | null;
      }>(await call(`/v1/rlm/runs/${id}`, { key }), 200);
      return ["queued", "running"].includes(run.status) ? null : run;
    },
    `run ${id}`,
    60_000,
  );
}

describe("§3.1 quota exhaustion is reported as a quota", () => {
  it("an org quota (400 'Total disk limit exceeded') fails the RLM run with sandbox_quota_exceeded", async () => {
    const { tenant, apiKey } = await newTenant(handle, "quota");
    await faults({ label: { key: "tenant", value: tenant.id } }, { refuseCreate: { kind: "disk", max: 30 } });
    const scriptId = `quota-${crypto.randomUUID()}`;
    await script(scriptId, ["FINAL(never)"]);
    const run = await finishedRun(apiKey.secret, await startRlmRun(apiKey.secret, `scripted:${scriptId}`));
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "sandbox_quota_exceeded" });
    expect(run.error?.message).toMatch(/total disk limit is reached \(stopped sandboxes count too\)/);
  });

  it("a rate limit (429 + Retry-After) fails the RLM run with sandbox_quota_exceeded", async () => {
    const { tenant, apiKey } = await newTenant(handle, "rate");
    await faults({ label: { key: "tenant", value: tenant.id } }, { refuseCreate: { kind: "rate", retryAfterSec: 5 } });
    const scriptId = `rate-${crypto.randomUUID()}`;
    await script(scriptId, ["FINAL(never)"]);
    const run = await finishedRun(apiKey.secret, await startRlmRun(apiKey.secret, `scripted:${scriptId}`));
    expect(run).toMatchObject({ status: "failed", error: { code: "sandbox_quota_exceeded" } });
    expect(run.error?.message).toMatch(/limiting how fast sandboxes are created/);
  });
});

describe("§3.2 a daemon without files/upload-v2", () => {
  it("an RLM run still completes: the REPL script and the context go up as multipart files/upload", async () => {
    const { tenant, apiKey } = await newTenant(handle, "old-daemon");
    await faults({ label: { key: "tenant", value: tenant.id } }, { noUploadV2: true });
    const scriptId = `old-daemon-${crypto.randomUUID()}`;
    await script(scriptId, ["```repl\nprint(len(context.split()))\n```", "FINAL(six words)"]);
    const run = await finishedRun(apiKey.secret, await startRlmRun(apiKey.secret, `scripted:${scriptId}`));
    expect(run).toMatchObject({ status: "completed", answer: "six words", error: null });
  });
});

describe("§3.3 lifecycle states", () => {
  it("a sandbox that goes to `error` mid-session is recovered by the next execute_code, variables restored", async () => {
    const s = session();
    expect((await s.exec("x = 41")).error).toBeNull();
    await s.sandbox.checkpoint();
    const res = await fetch(`${origin}/__admin/sandbox/${s.id()}/error`, {
      method: "POST",
      headers: bearer,
      body: "{}",
    });
    expect(await res.json()).toMatchObject({ state: "error" });
    const done = await s.exec("print(x + 1)");
    expect(done).toMatchObject({ error: null, stdout: "42\n" });
    expect(await sandboxRecord(s.id())).toMatchObject({ state: "started" });
    expect(s.events).toContainEqual(expect.objectContaining({ event: "restored", variables: ["x"] }));
    await s.sandbox.release();
  });

  it("a destroying, then a destroyed, sandbox is replaced by a new one with the saved variables", async () => {
    const s = session();
    await s.exec("x = 'kept'");
    await s.sandbox.checkpoint();
    const first = s.id();
    await faults({ sandboxId: first }, { transitionMs: 5_000 }); // stays `destroying` for 5 s
    await fetch(`${apiUrl}/sandbox/${first}`, { method: "DELETE", headers: bearer });
    expect(await sandboxRecord(first)).toMatchObject({ status: 200, state: "destroying" });
    expect((await s.exec("print(x)")).stdout).toBe("kept\n");
    const second = s.id();
    expect(second).not.toBe(first);
    expect(s.events).toContainEqual(
      expect.objectContaining({ event: "created", reason: "the previous sandbox was deleted" }),
    );

    await s.sandbox.checkpoint();
    await fetch(`${apiUrl}/sandbox/${second}`, { method: "DELETE", headers: bearer });
    await until(async () => (await sandboxRecord(second)).status === 404, "the sandbox to be destroyed");
    expect((await s.exec("print(x)")).stdout).toBe("kept\n");
    expect(s.id()).not.toBe(second);
    await s.sandbox.release();
  });

  it("a delete during a deletion (409) and after it (404) both count as gone", async () => {
    const sandbox = await provider.create({ labels: { tenant: "faults", run: "delete-twice" } });
    await faults({ sandboxId: sandbox.id }, { transitionMs: 1_500 });
    await provider.remove(sandbox.id);
    expect(await sandboxRecord(sandbox.id)).toMatchObject({ state: "destroying" });
    await expect(provider.remove(sandbox.id)).resolves.toBeUndefined(); // Daytona: 409 StateChangeInProgress
    await until(async () => (await sandboxRecord(sandbox.id)).status === 404, "the sandbox to be destroyed");
    await expect(provider.remove(sandbox.id)).resolves.toBeUndefined(); // 404
  });

  it("a sandbox caught `stopping` is waited out and started again by get", async () => {
    const sandbox = await provider.create({ labels: { tenant: "faults", run: "stopping" } });
    try {
      await faults({ sandboxId: sandbox.id }, { transitionMs: 1_000 });
      await fetch(`${apiUrl}/sandbox/${sandbox.id}/stop`, { method: "POST", headers: bearer });
      expect(await sandboxRecord(sandbox.id)).toMatchObject({ state: "stopping" });
      const again = await provider.get(sandbox.id); // start on `stopping` is a 409: get waits, then starts
      expect(again.revived).toBe(true);
      expect(await sandboxRecord(sandbox.id)).toMatchObject({ state: "started" });
      expect((await again.exec("echo up")).output).toBe("up\n");
    } finally {
      await provider.remove(sandbox.id);
    }
  });
});

describe("§3.4 egress", () => {
  it("networkBlockAll: sandbox code reaches neither the host's loopback services nor any other address", async () => {
    if (env.SANDBOX_ISOLATION !== "bwrap") return; // without bubblewrap the dev server cannot block anything
    const s = session();
    const port = new URL(apiUrl).port; // the dev sandbox server itself, on the host's 127.0.0.1
    const done = await s.exec(
      [
        "import socket",
        `for host, port in (('127.0.0.1', ${port}), ('10.255.255.1', 80), ('1.1.1.1', 53)):`,
        "    try:",
        "        socket.create_connection((host, port), timeout=2).close(); print(host, 'connected')",
        "    except OSError as e:",
        "        print(host, type(e).__name__)",
      ].join("\n"),
    );
    const lines = done.stdout.trim().split("\n");
    expect(lines[0]).toBe("127.0.0.1 ConnectionRefusedError"); // its own, empty loopback
    expect(lines.slice(1).every((l) => !l.endsWith("connected"))).toBe(true);
    expect(await sandboxRecord(s.id())).toMatchObject({ networkBlockAll: true });
    await s.sandbox.release();
  });
});

describe("§3.5 a front door that cuts held responses", () => {
  it("an exec computing 15 s completes through a front door that drops responses held over 6 s", async () => {
    // Scaled down ten times from "150 s through a 60 s front door": the poll bound (25 s) scales to 2.5 s.
    const sandbox = await provider.create({ labels: { tenant: "faults", run: "front-door" } });
    try {
      const repl = await ReplSession.start(sandbox);
      await faults({ sandboxId: sandbox.id }, { frontDoorTimeoutMs: 6_000 });
      const started = Date.now();
      const done = await repl.exec("import time\ntime.sleep(15)\nprint('computed')", {
        timeoutMs: 60_000,
        pollMs: 2_500,
      });
      expect(done).toMatchObject({ error: null, stdout: "computed\n" });
      expect(Date.now() - started).toBeGreaterThanOrEqual(15_000);
    } finally {
      await sandbox.delete();
    }
  }, 60_000);
});

describe("§3.6 memory limits", () => {
  it("a memory bomb is reported as OOM-killed and the next exec gets a fresh REPL with the saved variables", async () => {
    const s = session();
    await s.exec("kept = 7");
    await s.sandbox.checkpoint();
    const bomb = s.exec("hog = []\nwhile True:\n    hog.append('x' * 10**6)");
    await expect(bomb).rejects.toMatchObject({
      code: "sandbox_failed",
      message: expect.stringMatching(/out of memory/),
    });
    expect(s.events).toContainEqual(expect.objectContaining({ event: "restarted" }));
    const done = await s.exec("print(kept, 'hog' in globals())");
    expect(done).toMatchObject({ error: null, stdout: "7 False\n" });
    await s.sandbox.release();
  }, 60_000);
});

describe("§3.7 resources or a snapshot on create", () => {
  it("Daytona's 400s for resources without an image and for an unknown snapshot reach the caller as sandbox_failed", async () => {
    const labels = { tenant: "faults", run: "resources" };
    await expect(provider.create({ labels, resources: { memory: 2 } })).rejects.toMatchObject({
      code: "sandbox_failed",
      message: expect.stringContaining("Cannot specify Sandbox resources when using a snapshot"),
    });
    await expect(provider.create({ labels, snapshot: "fleet-repl-v1" })).rejects.toMatchObject({
      code: "sandbox_failed",
      message: expect.stringContaining("Snapshot fleet-repl-v1 not found"),
    });
  });
});

describe("§3.8 a stale preview token", () => {
  it("the proxy's 307 to its login page is followed by a fresh link, and the exec succeeds", async () => {
    const sandbox: SandboxHandle = await provider.create({ labels: { tenant: "faults", run: "stale-token" } });
    try {
      const repl = await ReplSession.start(sandbox);
      const old = await sandbox.previewLink(REPL_PORT);
      // A restart rotates the token; the same REPL (same secret) is started again by hand.
      await sandbox.stop();
      await sandbox.start();
      const dir = REPL_SERVER_PATH.slice(0, REPL_SERVER_PATH.lastIndexOf("/"));
      await sandbox.exec(
        `sh -c 'cd ${dir} && FLEET_REPL_SECRET=${repl.credentials} nohup python3 ${REPL_SERVER_PATH} > repl.log 2>&1 &'`,
      );
      const fresh = await sandbox.previewLink(REPL_PORT);
      await until(async () => {
        const res = await fetch(`${fresh.url}/health`, { headers: { "x-daytona-preview-token": fresh.token } });
        await res.body?.cancel();
        return res.status !== 502;
      }, "the REPL to listen again");
      const stale = await fetch(`${old.url}/health`, {
        headers: { "x-daytona-preview-token": old.token },
        redirect: "manual",
      });
      expect(stale.status).toBe(307);
      expect(stale.headers.get("location")).toMatch(/\/__login\?/);
      expect(await repl.exec("print('through')")).toMatchObject({ error: null, stdout: "through\n" });
    } finally {
      await sandbox.delete();
    }
  });
});

describe("§3.11 a daemon that answers commands at output EOF", () => {
  it("the REPL launch still returns at once: its output is redirected, so no child holds the pipe", async () => {
    const sandbox = await provider.create({ labels: { tenant: "faults", run: "eof" } });
    try {
      await faults({ sandboxId: sandbox.id }, { outputEof: true });
      const started = Date.now();
      const repl = await ReplSession.start(sandbox);
      expect(Date.now() - started).toBeLessThan(10_000); // the launch's own timeout is 30 s
      expect(await repl.exec("print('up')")).toMatchObject({ error: null, stdout: "up\n" });
    } finally {
      await sandbox.delete();
    }
  });
});

describe("§3.12 a proxy that replays a POST", () => {
  it("a running exec is not failed when every /exec and /resume reaches the REPL twice, and runs once", async () => {
    const sandbox = await provider.create({ labels: { tenant: "faults", run: "replay" } });
    try {
      const repl = await ReplSession.start(sandbox);
      await repl.exec("runs = 0");
      await faults({ sandboxId: sandbox.id }, { replayPosts: true });
      const done = await repl.exec("import time\nruns += 1\ntime.sleep(2)\nprint('runs', runs)", { pollMs: 500 });
      expect(done).toMatchObject({ error: null, stdout: "runs 1\n" });
      expect((await repl.exec("print(runs)")).stdout).toBe("1\n");
    } finally {
      await sandbox.delete();
    }
  });
});
