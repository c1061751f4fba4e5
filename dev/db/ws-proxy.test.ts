import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startWsProxy, type WsProxy } from "./ws-proxy";

/** A TCP server that echoes, keeping its sockets and whether each saw the client hang up. */
async function echoServer() {
  const sockets: Socket[] = [];
  const ended: Promise<void>[] = [];
  const server: Server = createServer((socket: Socket) => {
    sockets.push(socket);
    ended.push(new Promise((resolve) => socket.on("end", () => resolve())));
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return { server, port: typeof address === "object" && address ? address.port : 0, sockets, ended };
}

/** Opens a WebSocket and resolves with it, or with the HTTP status and body of a refused upgrade. */
function open(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ ws?: WebSocket; status?: number; body?: string }>((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on("open", () => resolve({ ws }));
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    ws.on("error", reject);
  });
}

describe("WebSocket→TCP proxy", () => {
  let echo: Awaited<ReturnType<typeof echoServer>>;
  let proxy: WsProxy;
  const messages: string[] = [];

  beforeAll(async () => {
    echo = await echoServer();
    proxy = await startWsProxy({ allow: [{ host: "127.0.0.1", port: echo.port }], log: (m) => messages.push(m) });
  });
  afterAll(async () => {
    await proxy.stop();
    echo.server.close();
  });

  it("publishes a NEON_WS_PROXY-style url", () => {
    expect(proxy.url).toBe(`127.0.0.1:${proxy.port}/v1`);
  });

  it("pipes binary data both ways with backpressure, intact and in order", async () => {
    const { ws } = await open(`ws://${proxy.url}?address=127.0.0.1:${echo.port}`);
    if (!ws) throw new Error("not opened");
    const sent = createHash("sha256");
    const received = createHash("sha256");
    const total = 32 * 1024 * 1024;
    let got = 0;
    const done = new Promise<void>((resolve) => {
      ws.on("message", (data: Buffer, isBinary) => {
        expect(isBinary).toBe(true);
        received.update(data);
        got += data.length;
        if (got === total) resolve();
      });
    });
    for (let i = 0; i < total / 65_536; i++) {
      const chunk = randomBytes(65_536);
      sent.update(chunk);
      ws.send(chunk);
    }
    await done;
    expect(received.digest("hex")).toBe(sent.digest("hex"));
    ws.close();
  });

  it("closes the TCP side when the WebSocket closes, and vice versa", async () => {
    const first = echo.sockets.length;
    const { ws } = await open(`ws://${proxy.url}?address=127.0.0.1:${echo.port}`);
    ws?.close();
    await echo.ended[first];

    const second = await open(`ws://${proxy.url}?address=127.0.0.1:${echo.port}`);
    const closed = new Promise<number>((resolve) => second.ws?.on("close", (code) => resolve(code)));
    // Destroying the server-side socket simulates Postgres hanging up.
    echo.sockets[first + 1]?.destroy();
    expect(await closed).toBe(1000);
  });

  it("refuses addresses outside the allow list with HTTP 403 and a reason", async () => {
    const res = await open(`ws://${proxy.url}?address=169.254.169.254:80`);
    expect(res.status).toBe(403);
    expect(res.body).toMatch(/169\.254\.169\.254:80 is not in the proxy allow list/);
    const otherPort = await open(`ws://${proxy.url}?address=127.0.0.1:${echo.port + 1}`);
    expect(otherPort.status).toBe(403);
    expect(messages.join("\n")).toMatch(/refused \(403\)/);
  });

  it("refuses browser origins, unknown paths, malformed and unreachable addresses", async () => {
    const fromPage = await open(`ws://${proxy.url}?address=127.0.0.1:${echo.port}`, { origin: "https://evil.test" });
    expect(fromPage.status).toBe(403);
    expect((await open(`ws://127.0.0.1:${proxy.port}/v2?address=127.0.0.1:${echo.port}`)).status).toBe(404);
    expect((await open(`ws://${proxy.url}?address=nonsense`)).status).toBe(400);

    const closed = await echoServer();
    const port = closed.port;
    closed.server.close();
    const unreachable = await startWsProxy({ allow: [{ host: "127.0.0.1", port }], log: () => {} });
    try {
      const res = await open(`ws://${unreachable.url}?address=127.0.0.1:${port}`);
      expect(res.status).toBe(502);
      expect(res.body).toMatch(/ECONNREFUSED/);
    } finally {
      await unreachable.stop();
    }
  });
});
