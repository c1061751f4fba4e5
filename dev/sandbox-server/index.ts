/**
 * Dev sandbox server: a local stand-in for Daytona that the unmodified `@daytonaio/sdk` drives over the HTTP subset in
 * /work/shared/reference/daytona-api-subset.md — sandboxes (create/get/list/start/stop/delete, preview URLs), the
 * toolbox (file upload, command execution) and a preview proxy to Unix sockets inside each sandbox.
 *
 * Isolation: every sandbox is a bubblewrap process tree with its own namespaces (its network as asked for: open,
 * blocked or allow-listed, see daytona-behaviour.ts), read-only system
 * directories, a private /tmp, a cleared environment, a memory cgroup bounding all its processes together (the
 * kernel OOM-kills inside the sandbox, as on Daytona) and setrlimit limits applied inside its own user namespace. When
 * the server runs as root, each sandbox also runs as its own host uid (from `uidBase`), which is what makes
 * RLIMIT_NPROC bite: the kernel exempts uid 0 from it. Without bubblewrap, sandboxes are plain processes (loud
 * warning), and the server refuses to start when `CI=true`; likewise without a writable memory cgroup (then each
 * process gets RLIMIT_AS instead).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { handleAdmin } from "./admin-routes";
import { handleApi, type RouteContext } from "./api-routes";
import { MemoryCgroups } from "./cgroup";
import { CLOUD_LATENCY, FaultBoard, type Latency, LOGIN_PATH, type OrgQuota } from "./daytona-behaviour";
import { holdAtFrontDoor } from "./front-door";
import { ApiError, requireBearer, sendError } from "./http-util";
import { DEFAULT_LIMITS, probeBwrap, resolvePython, type SandboxLimits } from "./isolation";
import { PreviewProxy } from "./preview-proxy";
import { SandboxStore } from "./sandbox-store";
import type { SnapshotFiles } from "./snapshot-layer";
import { handleToolbox } from "./toolbox-routes";

export {
  CLOUD_LATENCY,
  type Faults,
  type Latency,
  NO_LATENCY,
  type OrgQuota,
  TIER1_QUOTA,
} from "./daytona-behaviour";
export { DEFAULT_LIMITS, type SandboxLimits } from "./isolation";
export { chooseSandboxRoot } from "./sandbox-dirs";
export type { SnapshotFiles } from "./snapshot-layer";

/** Options of {@link startSandboxServer}. */
export interface SandboxServerOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Directory holding one subdirectory per sandbox (default `.data/sandboxes`). */
  root?: string;
  /** The API key clients must send as `Authorization: Bearer <apiKey>`. */
  apiKey: string;
  /** Most sandboxes that may exist at once; creating one more is a 429 (default 20). */
  maxSandboxes?: number;
  /** Resource limits per sandbox and per process, merged over {@link DEFAULT_LIMITS}. */
  limits?: Partial<SandboxLimits>;
  /** `auto` (default): bubblewrap when it works, else plain processes with a warning. */
  isolation?: "auto" | "bwrap" | "none";
  /**
   * `auto` (default): a memory cgroup per sandbox when the host offers a writable one, else RLIMIT_AS per process
   * with a warning; `cgroup` (or `CI=true`) refuses to start without one; `none` skips cgroups, warning.
   */
  memoryCgroup?: "auto" | "cgroup" | "none";
  /** First host uid for sandboxes when running as root (default 200000). */
  uidBase?: number;
  /** How often auto-stop / auto-delete run, ms (default 30 s). */
  sweepIntervalMs?: number;
  /** Added latency, merged over {@link CLOUD_LATENCY} (the default, for `npm run dev`); tests pass `NO_LATENCY`. */
  latency?: Partial<Latency>;
  /** Organisation totals (vCPU, GiB) refused with Daytona's 400; unlimited unless given (e.g. `TIER1_QUOTA`). */
  quota?: OrgQuota;
  /**
   * Snapshots a create may name, each with the files its image adds (default none: naming one is Daytona's 400
   * "Snapshot … not found").
   */
  snapshots?: Record<string, SnapshotFiles>;
}

/** A running dev sandbox server. */
export interface SandboxServer {
  /** Origin, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** What to pass as `apiUrl` to `new Daytona({apiKey, apiUrl})`. */
  apiUrl: string;
  /** Whether sandboxes are isolated with bubblewrap. */
  isolation: "bwrap" | "none";
  /** cgroup version bounding each sandbox's memory, or `none` when only RLIMIT_AS does. */
  memoryCgroup: "v1" | "v2" | "none";
  /** Kills every sandbox (their files stay) and closes the server. */
  stop(): Promise<void>;
}

/**
 * Starts the server.
 *
 * @example
 * const srv = await startSandboxServer({ apiKey: "dev", root: ".data/sandboxes" });
 * const daytona = new Daytona({ apiKey: "dev", apiUrl: srv.apiUrl, useDeprecatedPolling: true });
 */
/**
 * Sandboxes that may exist at once, stopped ones included. This server does not auto-delete idle sandboxes the way
 * Daytona does, so every chat session that ran `execute_code` keeps one; 100 idle REPLs are about 1 GB of memory.
 */
const DEFAULT_MAX_SANDBOXES = 100;

export async function startSandboxServer(opts: SandboxServerOptions): Promise<SandboxServer> {
  const limits: SandboxLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const latency: Latency = { ...CLOUD_LATENCY, ...opts.latency };
  const faults = new FaultBoard();
  const isRoot = process.getuid?.() === 0;
  const uidBase = isRoot ? (opts.uidBase ?? 200_000) : undefined;
  const isolation = chooseIsolation(opts.isolation ?? "auto", uidBase);
  const cgroups = await chooseCgroups(opts.memoryCgroup ?? "auto");
  const store = new SandboxStore({
    root: path.resolve(opts.root ?? ".data/sandboxes"),
    limits,
    maxSandboxes: opts.maxSandboxes ?? DEFAULT_MAX_SANDBOXES,
    isolation: isolation.mode,
    disableUserns: isolation.disableUserns,
    python: resolvePython(),
    uidBase,
    cgroups,
    quota: opts.quota ?? {},
    latency,
    faults,
  });
  await store.init();
  let baseUrl = "";
  const preview = new PreviewProxy(store, faults, () => baseUrl);
  const ctx: RouteContext = {
    store,
    baseUrl: () => baseUrl,
    limits,
    faults,
    snapshots: new Map(Object.entries(opts.snapshots ?? {})),
  };

  const server = createServer((req, res) => {
    void route(ctx, preview, opts.apiKey, latency, req, res).catch((e) => sendError(req, res, e));
  });
  server.requestTimeout = 0; // long-polled execs and big uploads may legitimately take long
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  baseUrl = `http://${host}:${addr.port}`;
  const sweeper = setInterval(() => void store.sweep().catch(() => {}), opts.sweepIntervalMs ?? 30_000);
  sweeper.unref();

  return {
    url: baseUrl,
    apiUrl: `${baseUrl}/api`,
    isolation: isolation.mode,
    memoryCgroup: cgroups ? `v${cgroups.version}` : "none",
    async stop() {
      clearInterval(sweeper);
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      preview.close();
      await store.close();
      await cgroups?.close();
      await closed;
    },
  };
}

async function route(
  ctx: RouteContext,
  preview: PreviewProxy,
  apiKey: string,
  latency: Latency,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (url.pathname === LOGIN_PATH) return loginPage(res);
  if (url.pathname.startsWith("/api/")) {
    requireBearer(req, apiKey);
    return handleApi(ctx, req, res, url);
  }
  if (url.pathname.startsWith("/__admin/")) {
    requireBearer(req, apiKey);
    return handleAdmin(ctx, req, res, url);
  }
  const proxied = /^\/(preview|toolbox)\/([^/]+)\//.exec(url.pathname);
  if (proxied?.[2]) {
    // The front door and the proxy hops come before anything the sandbox answers.
    const sb = ctx.store.find(decodeURIComponent(proxied[2]));
    if (sb) {
      holdAtFrontDoor(req, res, ctx.faults.for(sb.meta.id, sb.meta.labels));
      res.once("close", ctx.store.active(sb));
    }
    if (latency.requestMs > 0) await new Promise((resolve) => setTimeout(resolve, latency.requestMs));
    if (proxied[1] === "preview") return preview.handle(req, res, url);
    requireBearer(req, apiKey);
    return handleToolbox(ctx, req, res, url);
  }
  throw new ApiError(404, `Cannot ${req.method} ${url.pathname}`);
}

/** The "login page" a client that follows the preview proxy's 307 ends up on: HTML, as on Daytona. */
function loginPage(res: ServerResponse) {
  const body = "<!doctype html><title>Sign in</title><p>Sign in to Daytona to open this preview.</p>";
  res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function chooseIsolation(
  wanted: "auto" | "bwrap" | "none",
  uidBase: number | undefined,
): { mode: "bwrap" | "none"; disableUserns: boolean } {
  if (wanted === "none") {
    warnUnisolated("isolation: none was requested");
    return { mode: "none", disableUserns: false };
  }
  const owner = uidBase === undefined ? undefined : { uid: uidBase, gid: uidBase };
  const probe = probeBwrap(owner);
  if (probe.bwrap) return { mode: "bwrap", disableUserns: probe.disableUserns };
  if (wanted === "bwrap" || process.env.CI === "true") {
    throw new Error(
      `dev sandbox server: bubblewrap is required (${probe.reason}). Install it: apt-get install -y bubblewrap`,
    );
  }
  warnUnisolated(probe.reason ?? "bubblewrap unavailable");
  return { mode: "none", disableUserns: false };
}

async function chooseCgroups(wanted: "auto" | "cgroup" | "none"): Promise<MemoryCgroups | undefined> {
  const found = wanted === "none" ? { reason: "memoryCgroup: none was requested" } : await MemoryCgroups.open();
  if (!("reason" in found)) return found;
  if (wanted === "cgroup" || (wanted === "auto" && process.env.CI === "true")) {
    throw new Error(
      `dev sandbox server: a memory cgroup is required (${found.reason}). Run as root on cgroup v1 or v2`,
    );
  }
  const bar = "!".repeat(100);
  console.warn(
    `${bar}\n!! dev sandbox server: sandbox memory is NOT bounded per sandbox (${found.reason}).\n` +
      "!! Each process gets RLIMIT_AS only, so many processes (or tmpfs) of one sandbox can exhaust this machine's\n" +
      `!! memory, and running out is a MemoryError instead of Daytona's OOM kill. Run the server as root.\n${bar}`,
  );
  return undefined;
}

function warnUnisolated(reason: string) {
  const bar = "!".repeat(100);
  console.warn(
    `${bar}\n!! dev sandbox server: sandboxes are NOT isolated (${reason}).\n` +
      "!! Sandbox code runs as a plain process with this machine's network and filesystem; only rlimits apply.\n" +
      `!! Install bubblewrap (apt-get install -y bubblewrap) for real isolation.\n${bar}`,
  );
}
