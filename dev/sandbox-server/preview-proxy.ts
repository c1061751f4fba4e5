import {
  Agent,
  type ClientRequestArgs,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type ServerResponse,
} from "node:http";
import path from "node:path";
import type { Duplex } from "node:stream";
import { ApiError, safeEqual } from "./http-util";
import { connectUnixNoFollow } from "./no-follow";
import { oomMessage, type SandboxStore } from "./sandbox-store";

/** Headers that describe one hop, not the message (RFC 9110 §7.6.1), plus Daytona's own preview headers. */
const HOP_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "x-daytona-preview-token",
  "x-daytona-skip-preview-warning",
  "x-daytona-disable-cors",
]);

/** Query parameter carrying the preview token where headers are impossible (browsers), as on Daytona. */
const TOKEN_QUERY = "DAYTONA_SANDBOX_AUTH_KEY";

function forwardable(headers: IncomingHttpHeaders, drop: Set<string>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const connectionListed = new Set(
    String(headers.connection ?? "")
      .split(",")
      .map((s) => s.trim().toLowerCase()),
  );
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || drop.has(k) || connectionListed.has(k)) continue;
    out[k] = v;
  }
  return out;
}

/** Keeps connections pooled per socket path, and connects only to a socket that really is in the ports directory. */
class PortsAgent extends Agent {
  override createConnection(options: ClientRequestArgs, callback: (err: Error | null, stream: Duplex) => void) {
    // SAFETY: an Agent's callback accepts an error without a stream (node:_http_agent `oncreate`).
    connectUnixNoFollow(options.socketPath ?? "", callback as (err: Error | null, socket?: Duplex) => void);
    return undefined;
  }
}

/**
 * The preview proxy: `/preview/{sandboxId}/{port}/{rest}` is forwarded to the Unix socket `{port}.sock` that a process
 * in the sandbox listens on (dev sandboxes have no network of their own). Bodies stream both ways; upstream
 * connections are kept alive per socket. When the upstream process dies mid-request the client's request fails at
 * once (502 before headers, a reset connection after).
 */
export class PreviewProxy {
  // Few idle connections per upstream: each one pins a handler thread in the sandbox (Python's http.server).
  private readonly agent = new PortsAgent({ keepAlive: true, maxSockets: 1024, maxFreeSockets: 16 });

  constructor(private readonly store: SandboxStore) {}

  /** Handles a request whose path starts with `/preview/`. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL) {
    const m = /^\/preview\/([^/]+)\/(\d+)(\/.*)?$/.exec(url.pathname);
    if (!m?.[1] || !m[2]) throw new ApiError(404, `Cannot ${req.method} ${url.pathname}`);
    const sb = this.store.get(decodeURIComponent(m[1]));
    const given = String(req.headers["x-daytona-preview-token"] ?? url.searchParams.get(TOKEN_QUERY) ?? "");
    if (!sb.meta.public && !safeEqual(given, sb.previewToken)) {
      throw new ApiError(401, "Invalid or missing preview token (x-daytona-preview-token)");
    }
    if (!sb.proc) throw new ApiError(502, `Sandbox ${sb.meta.id} is not started`);
    sb.lastActivity = Date.now();
    const oomBefore = this.store.oomKills(sb);
    url.searchParams.delete(TOKEN_QUERY);
    const upstreamPath = (m[3] ?? "/") + (url.searchParams.size ? `?${url.searchParams}` : "");
    const proxyReq = request({
      socketPath: path.join(sb.portsDir, `${m[2]}.sock`),
      path: upstreamPath,
      method: req.method,
      headers: { ...forwardable(req.headers, HOP_HEADERS), host: `localhost:${m[2]}` },
      agent: this.agent,
    });
    const fail = (err: Error) => {
      if (res.headersSent) {
        res.destroy(err);
        return;
      }
      const code = (err as NodeJS.ErrnoException).code;
      const killed = this.store.oomKills(sb) - oomBefore;
      const reason =
        killed > 0
          ? `the process serving port ${m[2]} in sandbox ${sb.meta.id} is gone: ${oomMessage(killed, sb.cgroup)}`
          : code === "ENOENT" || code === "ECONNREFUSED" || code === "ENOTSOCK"
            ? `nothing is listening on port ${m[2]} in sandbox ${sb.meta.id}`
            : `upstream connection failed: ${err.message}`;
      const body = JSON.stringify({ statusCode: 502, error: "Bad Gateway", message: reason });
      res.writeHead(502, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    };
    proxyReq.on("error", fail);
    proxyReq.on("response", (upstream) => {
      res.writeHead(upstream.statusCode ?? 502, forwardable(upstream.headers, HOP_HEADERS));
      upstream.on("error", (e) => res.destroy(e));
      upstream.on("aborted", () => res.destroy(new Error("upstream aborted")));
      upstream.pipe(res);
    });
    // The client went away before the reply finished: stop the upstream request too.
    res.on("close", () => {
      if (!res.writableFinished) proxyReq.destroy();
    });
    req.on("error", () => proxyReq.destroy());
    req.pipe(proxyReq);
  }

  /** Closes pooled upstream connections. */
  close() {
    this.agent.destroy();
  }
}
