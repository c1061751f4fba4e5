import { createServer, type IncomingMessage, STATUS_CODES } from "node:http";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { type RawData, type WebSocket, WebSocketServer } from "ws";

/** A TCP destination the proxy may open. */
export interface ProxyTarget {
  host: string;
  port: number;
}

/** Options for {@link startWsProxy}. */
export interface WsProxyOptions {
  /** Port to listen on; 0 (default) lets the OS pick a free one. */
  port?: number;
  /** Interface to bind; defaults to 127.0.0.1 so only local processes reach the proxy. */
  host?: string;
  /** The only addresses clients may ask for (exact host string, case-insensitive, and port). */
  allow: ProxyTarget[];
  /** Where refusals and upstream failures are reported; defaults to console.warn. */
  log?: (message: string) => void;
}

/** A running proxy; see {@link startWsProxy}. */
export interface WsProxy {
  /** `127.0.0.1:PORT/v1`, the value for `NEON_WS_PROXY` (the driver appends `?address=host:port`). */
  url: string;
  port: number;
  /** Stops accepting, then drops every open tunnel. Idempotent. */
  stop(): Promise<void>;
}

const PATH = "/v1";
/** Bytes queued towards the WebSocket before we stop reading from Postgres. */
const HIGH_WATER_MARK = 1 << 20;
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Starts the local stand-in for Neon's WebSocket proxy: `@neondatabase/serverless` (in workerd or
 * Node) opens `ws://<url>?address=<host>:<port>` and exchanges raw Postgres wire bytes as binary
 * messages, which this server pipes to a TCP connection. Only `allow`ed addresses are reachable
 * (SSRF guard) and requests carrying an `Origin` header are refused, so web pages open in a
 * browser cannot use it to reach local databases.
 */
export async function startWsProxy(options: WsProxyOptions): Promise<WsProxy> {
  const { port = 0, host = "127.0.0.1", allow, log = (m: string) => console.warn(`[ws-proxy] ${m}`) } = options;
  const allowed = new Set(allow.map((t) => targetKey(t.host, t.port)));
  const tunnels = new Set<{ ws: WebSocket; upstream: Socket }>();
  const pending = new Set<Socket>();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  const server = createServer((_req, res) => {
    res.writeHead(426, { "content-type": "text/plain", upgrade: "websocket" });
    res.end(`Use a WebSocket to ${PATH}?address=host:port\n`);
  });

  server.on("upgrade", (req: IncomingMessage, client: Duplex, head: Buffer) => {
    client.on("error", () => client.destroy());
    const target = parseRequest(req);
    if ("status" in target) return refuse(client, target.status, target.reason, log);
    const key = targetKey(target.host, target.port);
    if (!allowed.has(key)) return refuse(client, 403, `address ${key} is not in the proxy allow list`, log);

    // Connect before accepting the WebSocket so an unreachable database fails the handshake visibly.
    const upstream = connect({ host: target.host, port: target.port });
    pending.add(upstream);
    upstream.setTimeout(CONNECT_TIMEOUT_MS, () => upstream.destroy(new Error("connect timeout")));
    upstream.once("error", (error) => {
      pending.delete(upstream);
      refuse(client, 502, `cannot connect to ${key}: ${error.message}`, log);
    });
    upstream.once("connect", () => {
      pending.delete(upstream);
      upstream.removeAllListeners("error");
      upstream.on("error", () => upstream.destroy());
      upstream.setTimeout(0);
      upstream.setNoDelay(true);
      let bridged = false;
      client.once("close", () => bridged || upstream.destroy());
      if (client.destroyed) return void upstream.destroy();
      wss.handleUpgrade(req, client, head, (ws) => {
        bridged = true;
        const tunnel = { ws, upstream };
        tunnels.add(tunnel);
        bridge(
          ws,
          upstream,
          () => tunnels.delete(tunnel),
          (m) => log(`${key}: ${m}`),
        );
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const boundPort = typeof address === "object" && address ? address.port : port;

  let stopping: Promise<void> | undefined;
  return {
    url: `${host.includes(":") ? `[${host}]` : host}:${boundPort}${PATH}`,
    port: boundPort,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of pending) socket.destroy();
        for (const { ws, upstream } of tunnels) {
          ws.terminate();
          upstream.destroy();
        }
        wss.close();
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}

/** Pipes WebSocket messages to the TCP socket and back, pausing whichever side is ahead. */
function bridge(ws: WebSocket, upstream: Socket, onClosed: () => void, log: (m: string) => void): void {
  ws.on("message", (data: RawData) => {
    const chunk = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (!upstream.write(chunk)) ws.pause();
  });
  upstream.on("drain", () => ws.resume());

  const resumeIfDrained = () => {
    if (upstream.isPaused() && ws.bufferedAmount < HIGH_WATER_MARK) upstream.resume();
  };
  upstream.on("data", (chunk: Buffer) => {
    ws.send(chunk, { binary: true }, resumeIfDrained);
    if (ws.bufferedAmount >= HIGH_WATER_MARK) upstream.pause();
  });

  upstream.on("error", (error) => {
    log(`upstream error: ${error.message}`);
    ws.close(1011, "upstream connection failed");
  });
  upstream.on("close", () => {
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(1000, "upstream closed");
  });
  ws.on("error", (error) => {
    log(`websocket error: ${error.message}`);
    upstream.destroy();
  });
  ws.on("close", () => {
    onClosed();
    // end() lets already-queued bytes (e.g. the client's Terminate) reach Postgres first.
    upstream.end();
    setTimeout(() => upstream.destroy(), 5_000).unref();
  });
}

/** Extracts `?address=host:port` from an upgrade request, or says why it is unacceptable. */
function parseRequest(req: IncomingMessage): ProxyTarget | { status: number; reason: string } {
  if (req.headers.origin !== undefined) {
    return { status: 403, reason: `browser origins are not allowed (Origin: ${req.headers.origin})` };
  }
  const url = new URL(req.url ?? "/", "http://proxy.invalid");
  if (url.pathname !== PATH) return { status: 404, reason: `unknown path ${url.pathname}; use ${PATH}` };
  const address = url.searchParams.get("address") ?? "";
  const colon = address.lastIndexOf(":");
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !host || !Number.isInteger(port) || port < 1 || port > 65_535) {
    return { status: 400, reason: `address must be host:port, got "${address}"` };
  }
  return { host, port };
}

function targetKey(host: string, port: number): string {
  const bare = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return `${bare.includes(":") ? `[${bare}]` : bare}:${port}`;
}

/** Answers a failed upgrade with a plain HTTP error whose body carries the reason. */
function refuse(client: Duplex, status: number, reason: string, log: (m: string) => void): void {
  log(`refused (${status}): ${reason}`);
  if (client.destroyed) return;
  const body = `${reason}\n`;
  client.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nX-Proxy-Error: ${encodeURIComponent(reason)}\r\n\r\n${body}`,
  );
}
