import {
  Agent,
  type ClientRequestArgs,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type RequestOptions,
  request,
  type ServerResponse,
} from "node:http";
import path from "node:path";
import type { Duplex } from "node:stream";
import { type FaultBoard, loginRedirect, MAX_REPLAY_BODY } from "./daytona-behaviour";
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

/** How long the first copy of a replayed POST may run before its connection is cut: enough to reach the REPL. */
const REPLAY_CUT_MS = 100;

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

  constructor(
    private readonly store: SandboxStore,
    private readonly faults: FaultBoard,
    private readonly origin: () => string,
  ) {}

  /** Handles a request whose path starts with `/preview/`. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL) {
    const m = /^\/preview\/([^/]+)\/(\d+)(\/.*)?$/.exec(url.pathname);
    if (!m?.[1] || !m[2]) throw new ApiError(404, `Cannot ${req.method} ${url.pathname}`);
    const sb = this.store.get(decodeURIComponent(m[1]));
    const given = String(req.headers["x-daytona-preview-token"] ?? url.searchParams.get(TOKEN_QUERY) ?? "");
    if (!sb.meta.public && !safeEqual(given, sb.previewToken)) {
      const { status, location } = loginRedirect(this.origin(), `${this.origin()}${url.pathname}`);
      res.writeHead(status, { location, "content-length": 0 });
      res.end();
      req.resume();
      return;
    }
    if (!sb.proc) throw new ApiError(502, `Sandbox ${sb.meta.id} is not started`);
    const oomBefore = this.store.oomKills(sb);
    url.searchParams.delete(TOKEN_QUERY);
    const upstreamPath = (m[3] ?? "/") + (url.searchParams.size ? `?${url.searchParams}` : "");
    const options: RequestOptions = {
      socketPath: path.join(sb.portsDir, `${m[2]}.sock`),
      path: upstreamPath,
      method: req.method,
      headers: { ...forwardable(req.headers, HOP_HEADERS), host: `localhost:${m[2]}` },
      agent: this.agent,
    };
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
    const forward = (proxyReq: ReturnType<typeof request>) => {
      let delivered = false;
      proxyReq.on("error", fail);
      proxyReq.on("response", (upstream) => {
        // The front door may have answered already (a 524): nobody waits for this reply.
        if (res.headersSent) {
          proxyReq.destroy();
          return;
        }
        res.writeHead(upstream.statusCode ?? 502, forwardable(upstream.headers, HOP_HEADERS));
        upstream.on("error", (e) => res.destroy(e));
        upstream.on("aborted", () => res.destroy(new Error("upstream aborted")));
        upstream.on("end", () => {
          delivered = true;
        });
        upstream.pipe(res);
      });
      // The client went away before the reply finished: stop the upstream request too.
      res.on("close", () => {
        if (!res.writableFinished || !delivered) proxyReq.destroy();
      });
    };
    const length = Number(req.headers["content-length"] ?? Number.NaN);
    if (
      req.method === "POST" &&
      this.faults.for(sb.meta.id, sb.meta.labels).replayPosts &&
      length >= 0 &&
      length <= MAX_REPLAY_BODY
    ) {
      void this.replay(req, options, forward).catch(fail);
      return;
    }
    const proxyReq = request(options);
    forward(proxyReq);
    req.on("error", () => proxyReq.destroy());
    req.pipe(proxyReq);
  }

  /**
   * Daytona's proxy replaying a small POST (libs/common-go/pkg/proxy/retry_transport.go): the body is buffered, sent,
   * the first connection is lost (here: cut once the target answered or had 100 ms), and the same body is sent
   * again; the client gets the second answer.
   */
  private async replay(
    req: IncomingMessage,
    options: RequestOptions,
    forward: (proxyReq: ReturnType<typeof request>) => void,
  ) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    await new Promise<void>((resolve) => {
      const first = request(options);
      const cut = () => {
        clearTimeout(timer);
        first.destroy();
        resolve();
      };
      const timer = setTimeout(cut, REPLAY_CUT_MS);
      first.on("response", cut);
      first.on("error", cut);
      first.end(body);
    });
    const second = request(options);
    forward(second);
    second.end(body);
  }

  /** Closes pooled upstream connections. */
  close() {
    this.agent.destroy();
  }
}
