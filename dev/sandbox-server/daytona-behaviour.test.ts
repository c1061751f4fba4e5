/**
 * The dev server answering as Daytona does when things are not simple (daytona-behaviour.ts): lifecycle states and
 * their 409/400s, org quotas, refused creates, the old daemon's upload route, the front door, the replaying proxy,
 * latency and the network modes. Faults are switched on per sandbox or label through `/__admin/faults`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Daytona, DaytonaRateLimitError, DaytonaValidationError, type Sandbox } from "@daytonaio/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Faults } from "./daytona-behaviour";
import { NO_LATENCY, type SandboxServer, startSandboxServer } from "./index";

const API_KEY = "behaviour-test-key";
let root: string;
let server: SandboxServer;
let daytona: Daytona;
/** An HTTP service on the host's loopback, and one on another loopback address, for the network tests. */
let hostService: Server;
let otherService: Server;

const listen = (host: string) =>
  new Promise<Server>((resolve) => {
    const s = createServer((_req, res) => res.end("host-service"));
    s.listen(0, host, () => resolve(s));
  });
const portOf = (s: Server) => (s.address() as AddressInfo).port;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "sbx-behaviour-"));
  server = await startSandboxServer({
    apiKey: API_KEY,
    root,
    latency: NO_LATENCY,
    quota: { cpu: 4, disk: 9 },
    snapshots: { "with-tool": { "/home/daytona/.tool/tool.py": "print('from the image')\n" } },
  });
  daytona = new Daytona({ apiKey: API_KEY, apiUrl: server.apiUrl, useDeprecatedPolling: true });
  hostService = await listen("127.0.0.1");
  otherService = await listen("127.0.0.2");
});

afterAll(async () => {
  hostService?.close();
  otherService?.close();
  await server?.stop();
  await rm(root, { recursive: true, force: true });
});

const auth = { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" };

/** A reply body: the sandbox DTO or Daytona's error shape. */
type Reply = { [key: string]: unknown; state?: string; message?: string; items?: Array<{ state: string }> };

async function api(method: string, route: string, body?: unknown): Promise<{ status: number; body: Reply }> {
  const res = await fetch(`${server.url}${route}`, {
    method,
    headers: auth,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const setFaults = (scope: object, faults: Faults | null) => api("POST", "/__admin/faults", { ...scope, faults });

async function waitForState(id: string, state: string) {
  for (let i = 0; i < 200; i++) {
    const got = await api("GET", `/api/sandbox/${id}`);
    if (got.body?.state === state || (state === "gone" && got.status === 404)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`sandbox ${id} never reached ${state}`);
}

/** A tiny HTTP server on the sandbox's port 8080: `GET /?ms=N` sleeps N ms; `POST` answers `<count> <body>`. */
const LISTENER = `
import http.server, os, socketserver, threading, time
count = 0
lock = threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def address_string(self): return "sandbox"
    def do_GET(self):
        time.sleep(int(self.path.split("=")[1]) / 1000 if "=" in self.path else 0)
        self.reply(b"slept")
    def do_POST(self):
        global count
        body = self.rfile.read(int(self.headers["content-length"]))
        with lock:
            count += 1
            n = count
        self.reply(("%d %s" % (n, body.decode())).encode())
    def reply(self, b):
        self.send_response(200)
        self.send_header("content-length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
class S(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
S(os.environ["DAYTONA_DEV_PORTS_DIR"] + "/8080.sock", H).serve_forever()
`;

/** A sandbox running {@link LISTENER}, and a fetch through its preview link. */
async function withListener(labels: Record<string, string>) {
  const sandbox = await daytona.create({ labels, networkBlockAll: true });
  await sandbox.fs.uploadFile(Buffer.from(LISTENER), "listener.py");
  await sandbox.process.executeCommand("nohup python3 listener.py > /dev/null 2>&1 &");
  const link = await sandbox.getPreviewLink(8080);
  const call = (route: string, init: RequestInit = {}) =>
    fetch(`${link.url}${route}`, { ...init, headers: { "x-daytona-preview-token": link.token } });
  for (let i = 0; i < 100 && (await call("/").then((r) => r.status)) !== 200; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  return { sandbox, call };
}

describe("lifecycle states, as Daytona's sandbox.service.ts answers them", () => {
  it("409 during a transition, 400 for start in error until recover, destroying then 404, 409 on a second delete", async () => {
    const sandbox = await daytona.create({ labels: { case: "lifecycle" } });
    const id = sandbox.id;
    expect(sandbox.networkBlockAll).toBe(false); // Daytona's default: egress open, and the record says so
    await setFaults({ sandboxId: id }, { transitionMs: 400 });

    const stopping = await api("POST", `/api/sandbox/${id}/stop`);
    expect(stopping.body).toMatchObject({ state: "stopping", desiredState: "stopped" });
    expect(await api("POST", `/api/sandbox/${id}/start`)).toMatchObject({
      status: 409,
      body: { statusCode: 409, error: "Conflict", message: "Sandbox state change in progress" },
    });
    await waitForState(id, "stopped");
    expect((await api("POST", `/api/sandbox/${id}/start`)).body.state).toBe("starting");
    expect((await api("POST", `/api/sandbox/${id}/stop`)).status).toBe(409);
    await waitForState(id, "started");

    // A runner fault mid-session: `error`, which start refuses until recover.
    expect((await api("POST", `/__admin/sandbox/${id}/error`, {})).body).toMatchObject({
      state: "error",
      recoverable: true,
    });
    expect(await api("POST", `/api/sandbox/${id}/start`)).toMatchObject({
      status: 400,
      body: { statusCode: 400, error: "Bad Request", message: "Sandbox is in an errored state" },
    });
    await expect(sandbox.start(5)).rejects.toBeInstanceOf(DaytonaValidationError);
    await sandbox.recover(10);
    expect(sandbox.state).toBe("started");
    expect((await api("POST", `/api/sandbox/${id}/recover`)).status).toBe(400); // only from `error`

    // Archive: stopped → archiving → archived, and start works from there.
    await sandbox.stop(10);
    expect((await api("POST", `/api/sandbox/${id}/archive`)).body.state).toBe("archiving");
    await waitForState(id, "archived");
    await sandbox.start(10);
    expect(sandbox.state).toBe("started");

    const deleting = await api("DELETE", `/api/sandbox/${id}`);
    expect(deleting.body).toMatchObject({ state: "destroying", desiredState: "destroyed" });
    expect((await api("GET", `/api/sandbox/${id}`)).body.state).toBe("destroying");
    expect(await api("DELETE", `/api/sandbox/${id}`)).toMatchObject({ status: 409 });
    await waitForState(id, "gone");
    expect(await api("DELETE", `/api/sandbox/${id}`)).toMatchObject({ status: 404 });
  });

  it("shows `creating` while a slow create runs, and takes the configured latency", async () => {
    const slow = await startSandboxServer({
      apiKey: API_KEY,
      root: path.join(root, "slow"),
      latency: { ...NO_LATENCY, createMs: 400, requestMs: 60 },
    });
    try {
      const client = new Daytona({ apiKey: API_KEY, apiUrl: slow.apiUrl, useDeprecatedPolling: true });
      const started = Date.now();
      const creating = client.create({ labels: { case: "slow" } });
      await new Promise((r) => setTimeout(r, 150));
      const listed = (await fetch(`${slow.apiUrl}/sandbox`, { headers: auth }).then((r) => r.json())) as Reply;
      expect(listed.items?.map((s) => s.state)).toEqual(["creating"]);
      const sandbox = await creating;
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
      const t = Date.now();
      await sandbox.process.executeCommand("true");
      expect(Date.now() - t).toBeGreaterThanOrEqual(60);
    } finally {
      await slow.stop();
    }
  });
});

describe("create requests, as sandbox.controller.ts checks them", () => {
  it("refuses resources without an image, and snapshots it does not know", async () => {
    expect(await api("POST", "/api/sandbox", { memory: 2 })).toMatchObject({
      status: 400,
      body: { statusCode: 400, message: "Cannot specify Sandbox resources when using a snapshot" },
    });
    // SAFETY: the SDK's types allow `resources` only with an image, but it sends them either way (as the product does).
    const fromSnapshot = { language: "python", resources: { cpu: 2 } } as Parameters<Daytona["create"]>[0];
    await expect(daytona.create(fromSnapshot)).rejects.toBeInstanceOf(DaytonaValidationError);
    expect(await api("POST", "/api/sandbox", { snapshot: "no-such-snapshot" })).toMatchObject({
      status: 400,
      body: { message: "Snapshot no-such-snapshot not found. Did you add it through the Daytona Dashboard?" },
    });
  });

  it("boots a sandbox created from a snapshot with the snapshot's files in place", async () => {
    const sandbox = await daytona.create({ snapshot: "with-tool" });
    try {
      expect(sandbox.snapshot).toBe("with-tool");
      const run = await sandbox.process.executeCommand("python3 /home/daytona/.tool/tool.py");
      expect(run).toMatchObject({ exitCode: 0, result: "from the image\n" });
      const plain = await daytona.create({});
      const missing = await plain.process.executeCommand("test -e /home/daytona/.tool/tool.py");
      expect(missing.exitCode).not.toBe(0);
      await plain.delete();
    } finally {
      await sandbox.delete();
    }
  });
});

describe("labels, as sandbox.controller.ts replaces them", () => {
  it("replaces every label, and the sandbox is then found by its new ones only", async () => {
    const sandbox = await daytona.create({ labels: { pool: "warm" } });
    try {
      expect(await sandbox.setLabels({ tenant: "t1", run: "r1" })).toEqual({ tenant: "t1", run: "r1" });
      const ids = async (labels: Record<string, string>) => {
        const found: string[] = [];
        for await (const s of daytona.list({ labels })) found.push(s.id);
        return found;
      };
      expect(await ids({ run: "r1" })).toEqual([sandbox.id]);
      expect(await ids({ pool: "warm" })).not.toContain(sandbox.id);
      expect(await api("PUT", `/api/sandbox/${sandbox.id}/labels`, { labels: { run: 7 } })).toMatchObject({
        status: 400,
      });
    } finally {
      await sandbox.delete();
    }
  });
});

describe("org quotas, as validateOrganizationQuotas refuses them", () => {
  it("counts CPU of running sandboxes and disk of stopped ones, with Daytona's 400 text", async () => {
    // The server's quota: 4 vCPU, 9 GiB of disk; each sandbox 1 vCPU and 3 GiB.
    const a = await daytona.create({ labels: { case: "quota" } });
    const b = await daytona.create({ labels: { case: "quota" } });
    try {
      await a.stop();
      await b.stop();
      const c = await daytona.create({ labels: { case: "quota" } });
      try {
        // 9 GiB held, two of it by stopped sandboxes: a fourth is refused on disk.
        const refused = await api("POST", "/api/sandbox", { labels: { case: "quota" } });
        expect(refused.status).toBe(400);
        expect(refused.body).toMatchObject({ statusCode: 400, error: "Bad Request" });
        expect(refused.body.message).toMatch(
          /^Total disk limit exceeded\. Maximum allowed: 9GiB\.\nConsider archiving/,
        );
        await expect(daytona.create({})).rejects.toBeInstanceOf(DaytonaValidationError);
        // Archiving frees the disk (docs: "Consider archiving your unused Sandboxes").
        await api("POST", `/api/sandbox/${a.id}/archive`);
        await waitForState(a.id, "archived");
        const image = { dockerfileContent: "FROM python:3.14" }; // resources need an image
        const big = await api("POST", "/api/sandbox", { labels: { case: "quota" }, cpu: 4, buildInfo: image });
        expect(big.status).toBe(400);
        expect(big.body.message).toMatch(/^Total CPU limit exceeded\. Maximum allowed: 4\.\nTo increase/);
      } finally {
        await c.delete(60, true);
      }
    } finally {
      await a.delete(60, true);
      await b.delete(60, true);
    }
  });

  it("refuses creates of one label with a quota 400 or a rate-limit 429 + Retry-After, others unaffected", async () => {
    const label = { key: "tenant", value: "refused" };
    await setFaults({ label }, { refuseCreate: { kind: "disk", max: 30 } });
    const quota = await api("POST", "/api/sandbox", { labels: { tenant: "refused" } });
    expect(quota).toMatchObject({ status: 400, body: { statusCode: 400, error: "Bad Request" } });
    expect(quota.body.message).toMatch(/^Total disk limit exceeded\. Maximum allowed: 30GiB\./);

    await setFaults({ label }, { refuseCreate: { kind: "rate", retryAfterSec: 7 } });
    const res = await fetch(`${server.apiUrl}/sandbox`, {
      method: "POST",
      headers: auth,
      body: '{"labels":{"tenant":"refused"}}',
    });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
    await expect(daytona.create({ labels: { tenant: "refused" } })).rejects.toBeInstanceOf(DaytonaRateLimitError);

    const other = await daytona.create({ labels: { tenant: "someone-else" } });
    await other.delete(60, true);
    await setFaults({ label }, null);
  });
});

describe("toolbox and preview faults", () => {
  it("an old daemon: upload-v2 is a 404, multipart files/upload streams the file", async () => {
    const sandbox = await daytona.create({ labels: { case: "old-daemon" } });
    try {
      await setFaults({ sandboxId: sandbox.id }, { noUploadV2: true });
      const toolbox = `${server.url}/toolbox/${sandbox.id}`;
      const v2 = await fetch(`${toolbox}/files/upload-v2?path=x.txt`, { method: "POST", headers: auth, body: "x" });
      expect(v2.status).toBe(404);
      expect(await v2.text()).toBe("404 page not found");
      const form = new FormData();
      form.append("file", new Blob(["multipart bytes"]), "ignored.bin");
      const up = await fetch(`${toolbox}/files/upload?path=${encodeURIComponent("/home/daytona/d/up.txt")}`, {
        method: "POST",
        headers: { authorization: auth.authorization },
        body: form,
      });
      expect(up.status).toBe(200);
      expect((await sandbox.process.executeCommand("cat d/up.txt")).result).toBe("multipart bytes");
      const raw = await fetch(`${toolbox}/files/upload?path=y.txt`, { method: "POST", headers: auth, body: "raw" });
      expect(raw.status).toBe(400); // the old route takes multipart only
    } finally {
      await sandbox.delete(60, true);
    }
  });

  it("a daemon answering at output EOF: a background child holding the pipe hangs the call until the timeout", async () => {
    const sandbox = await daytona.create({ labels: { case: "eof" } });
    try {
      await setFaults({ sandboxId: sandbox.id }, { outputEof: true });
      const quiet = await sandbox.process.executeCommand(
        "nohup sleep 30 > /dev/null 2>&1 & echo ok",
        undefined,
        undefined,
        5,
      );
      expect(quiet.result.trim()).toBe("ok");
      const started = Date.now();
      await expect(
        sandbox.process.executeCommand("nohup sleep 30 & echo ok", undefined, undefined, 1),
      ).rejects.toMatchObject({ statusCode: 408 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
      // The timeout's group kill ended the child that held the pipe; the quiet one lives on.
      const left = await sandbox.process.executeCommand("ps -e -o args | grep -c '^sleep 30'");
      expect(left.result.trim()).toBe("1");
    } finally {
      await sandbox.delete(60, true);
    }
  });

  it("a front door cuts responses held past its timeout: 524, or a closed socket", async () => {
    const { sandbox, call } = await withListener({ case: "front-door" });
    try {
      await setFaults({ sandboxId: sandbox.id }, { frontDoorTimeoutMs: 300 });
      expect(await call("/?ms=50").then((r) => r.status)).toBe(200);
      const cut = await call("/?ms=1000");
      expect(cut.status).toBe(524);
      await setFaults({ sandboxId: sandbox.id }, { frontDoorTimeoutMs: 300, frontDoorMode: "close" });
      await expect(call("/?ms=1000")).rejects.toThrow();
    } finally {
      await sandbox.delete(60, true);
    }
  });

  it("a replaying proxy sends a small POST twice and returns the second answer", async () => {
    const { sandbox, call } = await withListener({ case: "replay" });
    try {
      expect(await call("/", { method: "POST", body: "a" }).then((r) => r.text())).toBe("1 a");
      await setFaults({ sandboxId: sandbox.id }, { replayPosts: true });
      expect(await call("/", { method: "POST", body: "b" }).then((r) => r.text())).toBe("3 b");
    } finally {
      await sandbox.delete(60, true);
    }
  });
});

describe("network, as asked for", () => {
  const probe = (port: number, host = "127.0.0.1") =>
    [
      "import socket, urllib.request",
      "def tcp(h, p):",
      "    try:",
      "        socket.create_connection((h, p), timeout=2).close(); return 'connected'",
      "    except OSError as e: return type(e).__name__",
      "def http(url):",
      "    try:",
      "        return urllib.request.urlopen(url, timeout=3).read().decode()",
      "    except Exception as e: return type(e).__name__ + ' ' + str(getattr(e, 'code', ''))",
      `print(tcp('${host}', ${port}), tcp('10.255.255.1', 80), sep='|')`,
      `print(http('http://127.0.0.1:${port}/'), http('http://127.0.0.2:${portOf(otherService)}/'), sep='|')`,
    ].join("\n");
  const run = async (sandbox: Sandbox, port: number) => {
    await sandbox.fs.uploadFile(Buffer.from(probe(port)), "probe.py");
    return (await sandbox.process.executeCommand("python3 probe.py", undefined, undefined, 20)).result
      .trim()
      .split("\n");
  };

  it("networkBlockAll: no network at all, not even the host's loopback", async () => {
    if (server.isolation !== "bwrap") return;
    const sandbox = await daytona.create({ networkBlockAll: true });
    try {
      expect(sandbox.networkBlockAll).toBe(true);
      const [tcp, http] = await run(sandbox, portOf(hostService));
      expect(tcp).toMatch(/^ConnectionRefusedError\|(OSError|TimeoutError)$/);
      expect(http).not.toContain("host-service");
    } finally {
      await sandbox.delete(60, true);
    }
  });

  it("default (open egress): the host's services are reachable, as whatever the host allows", async () => {
    if (server.isolation !== "bwrap") return;
    const sandbox = await daytona.create({});
    try {
      const [tcp, http] = await run(sandbox, portOf(hostService));
      expect(tcp?.split("|")[0]).toBe("connected");
      expect(http).toBe("host-service|host-service");
    } finally {
      await sandbox.delete(60, true);
    }
  });

  it("networkAllowList: only the listed network, through the egress proxy", async () => {
    if (server.isolation !== "bwrap") return;
    const sandbox = await daytona.create({ networkAllowList: "127.0.0.1/32" });
    try {
      expect(sandbox).toMatchObject({ networkBlockAll: false, networkAllowList: "127.0.0.1/32" });
      const [tcp, http] = await run(sandbox, portOf(hostService));
      // Direct connections meet the sandbox's own loopback; HTTP via the proxy reaches 127.0.0.1 only.
      expect(tcp).toMatch(/^ConnectionRefusedError\|/);
      expect(http).toBe("host-service|HTTPError 403");
    } finally {
      await sandbox.delete(60, true);
    }
  });
});
