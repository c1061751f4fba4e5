/**
 * The whole sandbox path as the Worker uses it: official Daytona SDK → dev sandbox server → bubblewrap sandbox →
 * repl_server.py, with host callbacks answered inside workerd. Each test also exercises the dev server's contract
 * with the real SDK.
 */
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { daytonaProvider, daytonaSettings } from "./daytona";
import type { SandboxHandle } from "./provider";
import { HostCallFailure, ReplSession } from "./repl-session";

const provider = daytonaProvider(daytonaSettings(env));
let sandbox: SandboxHandle;
let repl: ReplSession;

beforeAll(async () => {
  sandbox = await provider.create({ labels: { tenant: "test", run: "repl-session" } });
  repl = await ReplSession.start(sandbox);
}, 60_000);
afterAll(() => sandbox?.delete());

/** `totalBytes` of text with one needle, streamed in 64 KiB blocks: the Worker never holds the whole context. */
function textStream(totalBytes: number, needleAt: number): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const block = encoder.encode(`${"lorem ipsum dolor sit amet ".repeat(37)}\n`.repeat(64)).subarray(0, 65_536);
  const needle = encoder.encode("The special magic number is 7316429.\n");
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= totalBytes) return controller.close();
      const chunk = new Uint8Array(Math.min(block.length, totalBytes - sent));
      chunk.set(block.subarray(0, chunk.length));
      if (needleAt >= sent && needleAt < sent + chunk.length - needle.length) chunk.set(needle, needleAt - sent);
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
}

/** The REPL's own routes, spoken directly: what a proxy replaying a POST or a host re-attaching would send. */
async function raw(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const link = await sandbox.previewLink(8080);
  const res = await fetch(`${link.url.replace(/\/$/, "")}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-daytona-preview-token": link.token,
      "x-fleet-repl-key": repl.credentials,
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("bounded polls and exec ids", () => {
  it("runs a block longer than one poll as a series of short polls", async () => {
    const started = Date.now();
    const done = await repl.exec("import time\ntime.sleep(2.5)\nprint('still here')", { pollMs: 400 });
    expect(done).toMatchObject({ error: null, stdout: "still here\n" });
    expect(Date.now() - started).toBeGreaterThan(2_400);
  });

  it("answers `running` when a poll's bound passes, re-attaches by id, and never runs an exec twice", async () => {
    await repl.exec("runs = 0");
    const code = "import time\nruns += 1\ntime.sleep(1.5)\nprint('runs', runs)";
    const first = await raw("/exec", { code, execId: "exec-a", waitMs: 200 });
    expect(first).toEqual({ status: 200, body: { status: "running" } });
    // A proxy replaying the same POST attaches to the running exec instead of meeting 409 "busy".
    expect(await raw("/exec", { code, execId: "exec-a", waitMs: 200 })).toEqual({
      status: 200,
      body: { status: "running" },
    });
    const done = await raw("/resume", { results: [], execId: "exec-a", waitMs: 10_000 });
    expect(done.body).toMatchObject({ status: "done", stdout: "runs 1\n", error: null });
    // Finished, it is still found by id, with the same result; the code did not run again.
    const again = await raw("/exec", { code, execId: "exec-a", waitMs: 200 });
    expect(again.body).toMatchObject({ status: "done", stdout: "runs 1\n" });
    expect((await repl.exec("print(runs)")).stdout).toBe("1\n");
    expect(await raw("/resume", { results: [], execId: "never-ran" })).toMatchObject({ status: 404 });
    expect((await raw("/exec", { code: "1", waitMs: 999_999 })).status).toBe(400);
  });
});

describe("REPL through the Worker", () => {
  it("keeps one namespace across execs", async () => {
    expect((await repl.exec("x = 41\ndef inc(v):\n    return v + 1")).error).toBeNull();
    const done = await repl.exec("print(inc(x))");
    expect(done.stdout).toBe("42\n");
  });

  it.each([10, 100])(
    "loads a %i MB context once and reuses it across execs",
    async (mb) => {
      const bytes = mb * 1024 * 1024;
      const info = await repl.loadContext(textStream(bytes, Math.floor(bytes * 0.7)), { name: `ctx${mb}` });
      expect(info).toMatchObject({ name: `ctx${mb}`, type: "str", length: bytes, bytes });
      for (let i = 0; i < 3; i++) {
        const found = await repl.exec(`print(ctx${mb}.find("magic number is"), len(ctx${mb}))`);
        const [at, length] = found.stdout.trim().split(" ").map(Number);
        expect(at).toBeGreaterThan(bytes * 0.69);
        expect(length).toBe(bytes);
      }
      expect((await repl.health()).contexts).toContain(`ctx${mb}`);
    },
    120_000,
  );

  it("answers a host callback", async () => {
    const done = await repl.exec('print(llm_query("2+2?"))', {
      onCallback: async (call) => `${call.fn}:${String(call.args[0])}=4`,
    });
    expect(done.error).toBeNull();
    expect(done.stdout).toBe("llm_query:2+2?=4\n");
  });

  it("serves 64 parallel callbacks from one exec", async () => {
    let served = 0;
    const code = [
      "import threading",
      "out = [None] * 64",
      "def ask(i):",
      "    out[i] = llm_query(f'q{i}')",
      "ts = [threading.Thread(target=ask, args=(i,)) for i in range(64)]",
      "[t.start() for t in ts]; [t.join() for t in ts]",
      "print(sum(1 for i, v in enumerate(out) if v == f'a:q{i}'))",
    ].join("\n");
    const done = await repl.exec(code, {
      onCallback: async (call) => {
        served++;
        await new Promise((r) => setTimeout(r, 20));
        return `a:${String(call.args[0])}`;
      },
    });
    expect(done.error).toBeNull();
    expect(done.stdout.trim()).toBe("64");
    expect(served).toBe(64);
  });

  it("raises host failures as Python exceptions the code can catch", async () => {
    const code = ["try:", "    llm_query('x')", "except BudgetExhaustedError as e:", "    print('budget:', e)"].join(
      "\n",
    );
    const done = await repl.exec(code, {
      onCallback: async () => {
        throw new HostCallFailure("budget_exhausted", "LLM-call budget spent (10 of 10)");
      },
    });
    expect(done.stdout).toContain("budget: LLM-call budget spent (10 of 10)");
  });

  it("times out a runaway loop with a clear error and stays usable", async () => {
    const done = await repl.exec("while True: pass", { timeoutMs: 500 });
    expect(done.error?.type).toBe("TimeoutError");
    expect(done.error?.message).toMatch(/0\.5|500/);
    expect((await repl.exec("print(x)")).stdout).toBe("41\n");
  });

  it("interrupts running code when the caller aborts, keeping the namespace", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = Date.now();
    const done = await repl.exec("import time\nfor _ in range(600):\n    time.sleep(0.05)", {
      signal: controller.signal,
    });
    expect(done.error?.type).toBe("CancelledError");
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await repl.exec("print(x)")).stdout).toBe("41\n");
  });

  it("cancels pending host calls when the caller aborts", async () => {
    const controller = new AbortController();
    const done = await repl.exec(
      "try:\n    llm_query('slow')\nexcept CancelledError as e:\n    print('cancelled:', e)",
      {
        signal: controller.signal,
        onCallback: async () => {
          controller.abort();
          await new Promise((r) => setTimeout(r, 200));
          return "too late";
        },
      },
    );
    expect(done.stdout).toContain("cancelled:");
  });

  it("reports exceptions with type, message and a short traceback", async () => {
    const done = await repl.exec("def f():\n    return 1/0\nf()");
    expect(done.error).toMatchObject({ type: "ZeroDivisionError", message: "division by zero" });
    expect(done.error?.traceback).toContain("f()");
    expect(done.error?.traceback.length).toBeLessThan(5000);
  });

  it("caps huge output and states its true length", async () => {
    const done = await repl.exec("print('y' * 50_000_000)", { maxOutputChars: 20_000 });
    expect(done.stdout.length).toBeLessThanOrEqual(20_000);
    expect(done.stdoutChars).toBe(50_000_001);
  });
});

describe("variables beyond one sandbox", () => {
  it("snapshots what pickles, names the rest and why, and restores it into a fresh REPL", async () => {
    await repl.exec(
      "snap_small = {'a': [1, 2], 'b': (3.5, None)}\nsnap_big = 'x' * (9 * 1024 * 1024)\nclass SnapK:\n    pass\nsnap_k = SnapK()",
    );
    const snapshot = await repl.snapshot();
    expect(snapshot.saved).toContain("snap_small");
    expect(snapshot.saved).not.toContain("answer");
    const skipped = Object.fromEntries(snapshot.skipped.map((s) => [s.name, s.reason]));
    expect(skipped.snap_big).toMatch(/^too large to keep \(\d+ bytes\)$/);
    expect(skipped.SnapK).toMatch(/^a type cannot be saved/);
    expect(skipped.snap_k).toMatch(/^a SnapK cannot be saved/);

    const other = await provider.create({ labels: { tenant: "test", run: "repl-restore" } });
    try {
      const fresh = await ReplSession.start(other);
      const restored = await fresh.restore(snapshot.data);
      expect(restored.restored).toContain("snap_small");
      expect(restored.skipped).toEqual([]);
      expect((await fresh.exec("print(snap_small['b'], 'snap_big' in globals())")).stdout).toBe("(3.5, None) False\n");
      await expect(fresh.restore(new TextEncoder().encode("not a pickle"))).rejects.toMatchObject({
        code: "sandbox_failed",
        message: expect.stringContaining("cannot read the snapshot"),
      });
    } finally {
      await other.delete();
    }
  });
});

describe("sandbox faults", () => {
  it("turns a killed Python process into a typed error instead of a hang", async () => {
    const box = await provider.create({ labels: { tenant: "test", run: "kill" } });
    try {
      const session = await ReplSession.start(box);
      const code = "import os, signal, time\ntime.sleep(0.2)\nos.kill(os.getpid(), signal.SIGKILL)";
      await expect(session.exec(code)).rejects.toMatchObject({ code: "sandbox_failed" });
    } finally {
      await box.delete();
    }
  });

  it("maps a missing sandbox to not_found", async () => {
    await expect(provider.get("does-not-exist")).rejects.toMatchObject({ code: "not_found" });
  });
});
