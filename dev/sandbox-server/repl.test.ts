/**
 * `repl_server.py` inside dev sandboxes, reached the way the Worker reaches it: through the preview URL and token.
 * Covers the wire contract (worker/contracts/repl.ts), big contexts, host callbacks, limits and isolation.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { Daytona, type Sandbox } from "@daytonaio/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CallbackCall,
  ContextInfo,
  type ExecDone,
  ExecReply,
  REPL_SECRET_HEADER,
  REPL_SERVER_PATH,
  ReplHealth,
  VarReply,
} from "../../worker/contracts/repl";
import { NO_LATENCY, type SandboxServer, startSandboxServer } from "./index";

const API_KEY = "repl-test-key";
const CANARY = `canary-${randomBytes(6).toString("hex")}`;
const REPL_SOURCE = path.resolve(import.meta.dirname, "../../worker/sandbox/python/repl_server.py");

let root: string;
let server: SandboxServer;
let daytona: Daytona;
let bwrap: boolean;

/** A REPL server running in its own sandbox, with a tiny client for the contract's routes. */
interface Repl {
  sandbox: Sandbox;
  url: string;
  token: string;
  secret: string;
  pid: number;
  call(route: string, body?: unknown, method?: string, timeoutMs?: number): Promise<{ status: number; body: unknown }>;
  /** Runs code to completion, answering callbacks with `answer`; returns the final reply and the round trips. */
  run(
    code: string,
    opts?: { timeoutMs?: number; maxOutputChars?: number },
    answer?: (c: CallbackCall) => unknown,
  ): Promise<{ done: ExecDone; rounds: number; calls: number }>;
}

async function startRepl(env: Record<string, string> = {}): Promise<Repl> {
  // As the product creates them: egress blocked (Daytona's default is open).
  const sandbox = await daytona.create({ labels: { suite: "repl" }, networkBlockAll: true });
  const secret = randomBytes(16).toString("hex");
  await sandbox.fs.uploadFile(await readFile(REPL_SOURCE), REPL_SERVER_PATH);
  await sandbox.process.executeCommand(
    `nohup python3 ${REPL_SERVER_PATH} > /home/daytona/.fleet/repl.log 2>&1 &`,
    undefined,
    { FLEET_REPL_SECRET: secret, ...env },
  );
  const link = await sandbox.getPreviewLink(8080);
  const call = async (route: string, body?: unknown, method = "POST", timeoutMs?: number) => {
    const res = await fetch(`${link.url}${route}`, {
      method,
      signal: timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined,
      headers: {
        "x-daytona-preview-token": link.token,
        [REPL_SECRET_HEADER]: secret,
        "content-type": "application/json",
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  let health: { status: number; body: unknown } | undefined;
  for (let i = 0; i < 100; i++) {
    health = await call("/health", undefined, "GET");
    if (health.status === 200) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const pid = ReplHealth.parse(health?.body).pid;
  const run: Repl["run"] = async (code, opts = {}, answer = (c) => `answer:${String(c.args[0])}`) => {
    let res = await call("/exec", { code, ...opts });
    let rounds = 1;
    let calls = 0;
    for (;;) {
      expect(res.status).toBe(200);
      const reply = ExecReply.parse(res.body);
      if (reply.status === "done") return { done: reply, rounds, calls };
      // These polls set no `waitMs`, so the server holds them until there is news.
      if (reply.status === "running") throw new Error("an unbounded poll answered `running`");
      calls += reply.calls.length;
      const results = reply.calls.map((c) => {
        const v = answer(c);
        return v instanceof Error ? { id: c.id, error: { type: v.name, message: v.message } } : { id: c.id, value: v };
      });
      res = await call("/resume", { results });
      rounds++;
    }
  };
  return { sandbox, url: link.url, token: link.token, secret, pid, call, run };
}

/** Host processes whose environment names this sandbox (readable here because the tests run as root). */
async function processesOf(sandboxId: string): Promise<number> {
  const marker = `DAYTONA_SANDBOX_ID=${sandboxId}\0`;
  let n = 0;
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const env = await readFile(`/proc/${pid}/environ`, "latin1").catch(() => "");
    if (env.includes(marker)) n++;
  }
  return n;
}

beforeAll(async () => {
  process.env.FLEET_TEST_CANARY = CANARY; // the server inherits it; sandboxes must not
  root = await mkdtemp(path.join(tmpdir(), "sbx-repl-"));
  server = await startSandboxServer({ latency: NO_LATENCY, apiKey: API_KEY, root, maxSandboxes: 10 });
  bwrap = server.isolation === "bwrap";
  daytona = new Daytona({ apiKey: API_KEY, apiUrl: server.apiUrl, useDeprecatedPolling: true });
});

afterAll(async () => {
  await server?.stop();
  await rm(root, { recursive: true, force: true });
  delete process.env.FLEET_TEST_CANARY;
});

describe("repl_server.py through the preview proxy", () => {
  let repl: Repl;
  beforeAll(async () => {
    repl = await startRepl();
  });

  it("authenticates, keeps one namespace and reports errors, finals and variables", async () => {
    const anon = await fetch(`${repl.url}/health`, { headers: { "x-daytona-preview-token": repl.token } });
    expect(anon.status).toBe(401);
    expect((await repl.call("/nope")).status).toBe(404);

    expect((await repl.run("x = 41\nprint('hi')")).done).toMatchObject({ stdout: "hi\n", error: null, final: null });
    const second = (await repl.run("x += 1\nprint(x, file=__import__('sys').stderr)\nFINAL_VAR('x')")).done;
    expect(second).toMatchObject({ stdout: "", stderr: "42\n", final: "42", error: null });
    const missing = (await repl.run("FINAL_VAR('nope')")).done;
    expect(missing.error?.type).toBe("NameError");
    expect(missing.error?.message).toContain("x");
    const boom = (await repl.run("def f():\n    return 1 / 0\nf()")).done;
    expect(boom.error).toMatchObject({ type: "ZeroDivisionError", message: "division by zero" });
    expect(boom.error?.traceback).toContain("return 1 / 0");
    expect(boom.error?.traceback).not.toContain("repl_server.py");
    const ready = (await repl.run("answer['content'] = 'done!'\nanswer['ready'] = True")).done;
    expect(ready.final).toBe("done!");
    expect(VarReply.parse((await repl.call("/var", { name: "x" })).body)).toEqual({
      found: true,
      value: "42",
      type: "int",
    });
    expect(VarReply.parse((await repl.call("/var", { name: "zz" })).body)).toMatchObject({ found: false });
    expect((await repl.call("/exec", { code: 5 })).status).toBe(400);
  });

  it("loads 10 MB and 100 MB contexts once and uses them without resending", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "sbx-ctx-"));
    try {
      const line = "The quick brown fox jumps over the lazy dog. 0123456789\n";
      const ten = path.join(dir, "ten.txt");
      await writeFile(ten, line.repeat(Math.ceil((10 * 1024 * 1024) / line.length)));
      const hundred = path.join(dir, "hundred.txt");
      await writeFile(hundred, line.repeat(Math.ceil((100 * 1024 * 1024) / line.length)));
      const toolbox = `${server.url}/toolbox/${repl.sandbox.id}`;
      for (const [file, dest, name] of [
        [ten, "/home/daytona/ctx/ten.txt", "small"],
        [hundred, "/home/daytona/ctx/hundred.txt", "context"],
      ] as const) {
        const started = Date.now();
        const up = await fetch(`${toolbox}/files/upload-v2?path=${encodeURIComponent(dest)}`, {
          method: "POST",
          headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/octet-stream" },
          body: Readable.toWeb(createReadStream(file)) as ReadableStream,
          duplex: "half",
        } as RequestInit);
        expect(up.status).toBe(200);
        const res = await repl.call("/context", { path: dest, name });
        expect(res.status).toBe(200);
        const info = ContextInfo.parse(res.body);
        const size = (await stat(file)).size;
        expect(info).toMatchObject({ name, type: "str", length: size, bytes: size, chunkLengths: [size] });
        expect(Date.now() - started).toBeLessThan(10_000);
      }
      const started = Date.now();
      const { done } = await repl.run("print(len(context), len(small), context.count('fox'))");
      const n = Math.ceil((100 * 1024 * 1024) / line.length);
      expect(done.stdout).toBe(
        `${n * line.length} ${Math.ceil((10 * 1024 * 1024) / line.length) * line.length} ${n}\n`,
      );
      expect(Date.now() - started).toBeLessThan(2000);
      const health = ReplHealth.parse((await repl.call("/health", undefined, "GET")).body);
      expect(health.contexts).toEqual(["context", "small"]);
      // A JSON context becomes a list/dict.
      await repl.sandbox.fs.uploadFile(
        Buffer.from(JSON.stringify(["ab", "cde", { k: 1 }])),
        "/home/daytona/ctx/l.json",
      );
      const json = ContextInfo.parse(
        (await repl.call("/context", { path: "/home/daytona/ctx/l.json", name: "docs" })).body,
      );
      expect(json).toMatchObject({ type: "list", length: 3, chunkLengths: [2, 3, 8] });
      await repl.run("del small");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("round-trips host callbacks and maps callback errors to exceptions", async () => {
    const { done, rounds } = await repl.run(
      [
        "a = llm_query('hello', model='m1')",
        "b = llm_query_batched(['p1', 'p2'])",
        "c = rlm_query('sub', context='ctx')",
        "print(a, b, c)",
        "for exc in (BudgetExhaustedError, CancelledError, HostCallError):",
        "    try:",
        "        llm_query('fail:' + exc.__name__)",
        "    except exc as e:",
        "        print(type(e).__name__, e)",
      ].join("\n"),
      {},
      (c) => {
        const arg = String(c.args[0]);
        if (arg.startsWith("fail:BudgetExhausted"))
          return Object.assign(new Error("no budget"), { name: "budget_exhausted" });
        if (arg.startsWith("fail:Cancelled")) return Object.assign(new Error("stop"), { name: "cancelled" });
        if (arg.startsWith("fail:")) return Object.assign(new Error("llm down"), { name: "upstream" });
        if (c.fn === "llm_query_batched") return (c.args[0] as string[]).map((p) => `r-${p}`);
        return `${c.fn}(${arg},${JSON.stringify(c.kwargs)})`;
      },
    );
    expect(done.error).toBeNull();
    expect(done.stdout).toBe(
      'llm_query(hello,{"model":"m1"}) [\'r-p1\', \'r-p2\'] rlm_query(sub,{"context":"ctx"})\n' +
        "BudgetExhaustedError no budget\nCancelledError stop\nHostCallError upstream: llm down\n",
    );
    expect(rounds).toBe(7);
  });

  it("reads the run's budget through one host call, from threads too, and keeps `budget` out of the variables", async () => {
    const left = { llm_calls: 12, tokens: null, cost_usd: 0.5, seconds: 42.5 };
    const seen: CallbackCall[] = [];
    const { done } = await repl.run(
      [
        "import threading",
        "b = budget()",
        "print(sorted(b.items(), key=str))",
        "out = []",
        "t = threading.Thread(target=lambda: out.append(budget()['llm_calls']))",
        "t.start(); t.join()",
        "print(out, 'budget' in SHOW_VARS())",
      ].join("\n"),
      {},
      (c) => {
        seen.push(c);
        return left;
      },
    );
    expect(done.error).toBeNull();
    expect(seen.map((c) => [c.fn, c.args, c.kwargs])).toEqual([
      ["budget", [], {}],
      ["budget", [], {}],
    ]);
    expect(done.stdout).toContain("[('cost_usd', 0.5), ('llm_calls', 12), ('seconds', 42.5), ('tokens', None)]\n");
    expect(done.stdout).toContain("[12] False\n");
    const refused = await repl.run("budget()", {}, () => "not a dict");
    expect(refused.done.error).toMatchObject({ type: "HostCallError" });
    await repl.run("del b, out, t, threading");
  });

  it("does not count host wait time, refuses a second exec, and resets the namespace", async () => {
    const first = ExecReply.parse(
      (await repl.call("/exec", { code: "v = llm_query('slow')\nprint(v)", timeoutMs: 300 })).body,
    );
    if (first.status !== "callbacks") throw new Error("expected callbacks");
    expect((await repl.call("/exec", { code: "1" })).status).toBe(409);
    expect((await repl.call("/reset")).status).toBe(409);
    await new Promise((r) => setTimeout(r, 600)); // twice the exec's limit, all of it spent waiting for the host
    const id = first.calls[0]?.id;
    const done = ExecReply.parse((await repl.call("/resume", { results: [{ id, value: "late" }] })).body);
    expect(done).toMatchObject({ status: "done", stdout: "late\n", error: null });
    expect((await repl.call("/resume", { results: [] })).status).toBe(409);
    await repl.run("gone = 1");
    expect(ReplHealth.parse((await repl.call("/reset")).body).busy).toBe(false);
    expect(VarReply.parse((await repl.call("/var", { name: "gone" })).body)).toMatchObject({ found: false });
    expect((await repl.run("print(answer, callable(llm_query))")).done.stdout).toBe(
      "{'content': '', 'ready': False} True\n",
    );
  });

  it("gathers 64 parallel callbacks from threads into few round trips", async () => {
    const code = [
      "from concurrent.futures import ThreadPoolExecutor",
      "with ThreadPoolExecutor(64) as pool:",
      "    out = list(pool.map(lambda i: llm_query(f'q{i}'), range(64)))",
      "print(len(out), out[0], out[63])",
    ].join("\n");
    const { done, rounds, calls } = await repl.run(code);
    expect(done.stdout).toBe("64 answer:q0 answer:q63\n");
    expect(calls).toBe(64);
    expect(rounds).toBeLessThanOrEqual(4);
  });

  it("interrupts runaway code with TimeoutError and keeps the namespace", async () => {
    await repl.run("kept = 'still here'");
    const started = Date.now();
    const { done } = await repl.run("while True:\n    pass", { timeoutMs: 500 });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(done.error?.type).toBe("TimeoutError");
    expect(done.error?.message).toContain("time limit");
    expect((await repl.run("print(kept)")).done.stdout).toBe("still here\n");
  });

  it("caps 50 MB of output and reports its true length", async () => {
    const { done } = await repl.run("for _ in range(50):\n    print('y' * (1024 * 1024 - 1))", {
      maxOutputChars: 1000,
    });
    expect(done.stdout).toHaveLength(1000);
    expect(done.stdoutChars).toBe(50 * 1024 * 1024);
  });

  it("cannot see host env, host files or the network, nor its own secret", async () => {
    const { done } = await repl.run(
      [
        "import os, socket",
        "env = open('/proc/self/environ', 'rb').read().decode()",
        `print('canary' if ${JSON.stringify(CANARY)} in env or any(${JSON.stringify(CANARY)} in v for v in os.environ.values()) else 'no-canary')`,
        `print('secret' if ${JSON.stringify(repl.secret)} in env or 'FLEET_REPL_SECRET' in os.environ else 'no-secret')`,
        "for p in ('/work/main/package.json', '/root', '/etc/shadow'):",
        "    print(p, os.path.exists(p))",
        "try:",
        `    socket.create_connection(('127.0.0.1', ${new URL(server.url).port}), timeout=2)`,
        "    print('net: connected')",
        "except OSError as e:",
        "    print('net:', type(e).__name__)",
      ].join("\n"),
    );
    const lines = done.stdout.trim().split("\n");
    expect(lines.slice(0, 2)).toEqual(["no-canary", "no-secret"]);
    if (!bwrap) return; // without bubblewrap only the environment is private
    expect(lines.slice(2)).toEqual([
      "/work/main/package.json False",
      "/root False",
      "/etc/shadow False",
      "net: ConnectionRefusedError",
    ]);
  });
});

describe("repl_server.py under abuse", () => {
  it("OOM-kills a memory bomb as Daytona does, says so, and keeps the sandbox usable", async () => {
    // Before cgroups, RLIMIT_AS made this a MemoryError the REPL survived. Daytona bounds the sandbox with a cgroup
    // instead: the kernel kills the biggest process, the REPL, and the host sees the connection fail.
    const repl = await startRepl();
    try {
      const huge = (await repl.run("x = bytearray(10**11)")).done; // more than the machine has: refused up front
      expect(huge.error?.type).toBe("MemoryError");
      const growing = await repl.call("/exec", { code: "hog = []\nwhile True:\n    hog.append('x' * 10**6)" });
      expect(growing.status).toBe(502);
      expect(JSON.stringify(growing.body)).toMatch(/out of memory: the kernel OOM killer ended 1 process/);
      const sandbox = await daytona.get(repl.sandbox.id);
      expect(sandbox.state).toBe("started");
      const again = await startRepl(); // what the product does: a fresh REPL (here in a fresh sandbox)
      expect((await again.run("print(sum(range(10)))")).done.stdout).toBe("45\n");
      await again.sandbox.delete();
      expect((await repl.sandbox.process.executeCommand("echo usable")).result).toBe("usable\n");
    } finally {
      await repl.sandbox.delete();
    }
  });

  it("contains a fork bomb; the host stays responsive", async () => {
    const repl = await startRepl();
    try {
      // Bounded: if the OOM killer ends the REPL first, forked copies may hold the connection open.
      const bomb = repl
        .call("/exec", { code: "import os\nwhile True:\n    os.fork()", timeoutMs: 5_000 }, "POST", 8_000)
        .catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
      const host = spawnSync("/bin/sh", ["-c", "echo host-ok"], { encoding: "utf8", timeout: 5000 });
      expect(host.stdout).toBe("host-ok\n");
      const reply = await bomb;
      if (reply?.status === 200) {
        const done = ExecReply.parse(reply.body);
        if (done.status === "done") expect(done.error?.type).toBe("BlockingIOError"); // RLIMIT_NPROC inside
      }
      let alive = false;
      for (let i = 0; i < 5 && !alive; i++) {
        const r = await repl.call("/exec", { code: "print('alive')" }, "POST", 1000).catch(() => undefined);
        const done = r?.status === 200 ? ExecReply.parse(r.body) : undefined;
        alive = done?.status === "done" && done.stdout === "alive\n";
        if (!alive) await new Promise((res) => setTimeout(res, 100));
      }
      if (!alive) {
        // The copies' memory reached the sandbox's limit before their count reached RLIMIT_NPROC, so the kernel
        // OOM-killed the REPL, as it would on Daytona: contained too, and the server recorded it.
        await daytona.get(repl.sandbox.id); // a look at the sandbox records kills nobody has reported yet
        await new Promise((res) => setTimeout(res, 100)); // sandbox.json is written just after
        const meta = JSON.parse(await readFile(path.join(root, repl.sandbox.id, "sandbox.json"), "utf8"));
        expect(meta.oomKills).toBeGreaterThan(0);
      }
    } finally {
      await repl.sandbox.delete(60, true);
    }
    // Every process of the deleted sandbox is gone: each carries DAYTONA_SANDBOX_ID in its environment.
    expect(await processesOf(repl.sandbox.id)).toBe(0);
  }, 90_000);

  it("ends the REPL process when code ignores its timeout, and says why", async () => {
    const repl = await startRepl({ FLEET_REPL_TIMEOUT_GRACE_S: "1" });
    try {
      // Swallows every TimeoutError: the watchdog answers, then the process exits.
      const stubborn =
        "import time\nwhile True:\n    try:\n        time.sleep(10)\n    except BaseException:\n        pass";
      const { done } = await repl.run(stubborn, { timeoutMs: 300 });
      expect(done.error?.message).toMatch(/ignored its 0.3 s time limit/);
      await new Promise((r) => setTimeout(r, 800));
      expect((await repl.call("/health", undefined, "GET")).status).toBe(502);
      // One long C call holds the GIL so no Python code runs: RLIMIT_CPU ends the process and the request fails fast.
      const again = await startRepl({ FLEET_REPL_TIMEOUT_GRACE_S: "1" });
      const started = Date.now();
      const stuck = await again.call("/exec", { code: "sum(range(10**12))", timeoutMs: 300 });
      expect(stuck.status).toBe(502);
      expect(Date.now() - started).toBeLessThan(5000);
      await again.sandbox.delete();
    } finally {
      await repl.sandbox.delete();
    }
  });

  it("fails the pending request fast when the REPL process is killed mid-exec", async () => {
    const repl = await startRepl();
    try {
      const pending = repl.call("/exec", { code: "import time\ntime.sleep(30)" });
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      await repl.sandbox.process.executeCommand(`kill -9 ${repl.pid}`);
      const res = await pending;
      expect(Date.now() - started).toBeLessThan(2000);
      expect(res.status).toBe(502);
    } finally {
      await repl.sandbox.delete();
    }
  });
});
