/**
 * The egress of a sandbox created with `domainAllowList` or `networkAllowList`: its network namespace has only a
 * loopback, and the one way out is this HTTP(S) proxy on a Unix socket bound into the sandbox (its supervisor relays
 * `127.0.0.1:3128` to it, and `HTTP(S)_PROXY` point there). It forwards `CONNECT host:port` tunnels and plain
 * absolute-form HTTP requests only to allowed hosts: a domain in the list (`*.x` or `.x` covers subdomains) or an
 * address inside one of the CIDRs; everything else gets 403. Daytona enforces its lists with firewall rules on the
 * runner (apps/runner/pkg/netrules); code that ignores the proxy variables here simply has no route.
 */

import { lookup } from "node:dns/promises";
import { chmod, mkdir, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import { BlockList, connect, isIP, type Socket } from "node:net";
import path from "node:path";

/** File name of the proxy's socket in the sandbox's `net/` directory. */
export const EGRESS_SOCKET = "egress.sock";

/** What a sandbox may reach. */
export interface AllowList {
  /** Comma-separated domains, Daytona's `domainAllowList`. */
  domains: string | undefined;
  /** Comma-separated CIDRs (or addresses), Daytona's `networkAllowList`. */
  networks: string | undefined;
}

/** Whether `host` (a name or an address) is allowed; names are also allowed when they resolve into a CIDR. */
export async function isAllowed(list: AllowList, host: string): Promise<boolean> {
  const name = host.replace(/^\[|\]$/g, "").toLowerCase();
  const domains = split(list.domains).map((d) => d.toLowerCase());
  if (isIP(name) === 0 && domains.some((d) => matchesDomain(name, d))) return true;
  const nets = networks(list.networks);
  if (!nets) return false;
  const addresses = isIP(name)
    ? [name]
    : await lookup(name, { all: true }).then(
        (r) => r.map((a) => a.address),
        () => [],
      );
  return addresses.length > 0 && addresses.every((a) => nets.check(a, isIP(a) === 6 ? "ipv6" : "ipv4"));
}

function matchesDomain(name: string, entry: string): boolean {
  const suffix = entry.startsWith("*.") ? entry.slice(1) : entry.startsWith(".") ? entry : undefined;
  return suffix ? name.endsWith(suffix) : name === entry;
}

function split(list: string | undefined): string[] {
  return (list ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function networks(list: string | undefined): BlockList | undefined {
  const entries = split(list);
  if (entries.length === 0) return undefined;
  const nets = new BlockList();
  for (const entry of entries) {
    const [addr = "", prefix] = entry.split("/");
    const family = isIP(addr) === 6 ? "ipv6" : "ipv4";
    if (isIP(addr) === 0) continue;
    if (prefix === undefined) nets.addAddress(addr, family);
    else nets.addSubnet(addr, Number(prefix), family);
  }
  return nets;
}

/** A running egress proxy; `close` removes its socket. */
export interface EgressProxy {
  close(): Promise<void>;
}

/** Starts the proxy for one sandbox on `<netDir>/egress.sock`, connectable by the sandbox's uid. */
export async function startEgressProxy(netDir: string, list: AllowList): Promise<EgressProxy> {
  await mkdir(netDir, { recursive: true, mode: 0o755 });
  const socketPath = path.join(netDir, EGRESS_SOCKET);
  await rm(socketPath, { force: true });
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => void forwardHttp(list, req, res));
  server.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => void tunnel(list, req, client, head));
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, resolve);
  });
  await chmod(socketPath, 0o666); // the sandbox runs as its own uid
  return {
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
      await rm(socketPath, { force: true });
    },
  };
}

async function tunnel(list: AllowList, req: IncomingMessage, client: Socket, head: Buffer) {
  client.on("error", () => {});
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(req.url ?? "");
  if (!m?.[1] || !(await isAllowed(list, m[1]))) {
    client.end("HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n");
    return;
  }
  const upstream = connect(Number(m[2]), m[1].replace(/^\[|\]$/g, ""), () => {
    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.on("error", () => client.end("HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n"));
  client.on("close", () => upstream.destroy());
}

async function forwardHttp(list: AllowList, req: IncomingMessage, res: ServerResponse) {
  let target: URL;
  try {
    target = new URL(req.url ?? "");
  } catch {
    res.writeHead(400).end();
    return;
  }
  if (target.protocol !== "http:" || !(await isAllowed(list, target.hostname))) {
    res.writeHead(403, { "content-length": 0 }).end();
    return;
  }
  const upstream = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.headers);
    r.pipe(res);
  });
  upstream.on("error", () => (res.headersSent ? res.destroy() : res.writeHead(502, { "content-length": 0 }).end()));
  req.pipe(upstream);
}
