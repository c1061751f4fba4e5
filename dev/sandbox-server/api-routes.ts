import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { checkCreate, desiredState, type FaultBoard, quotaExceeded, rateLimited } from "./daytona-behaviour";
import { ApiError, readJson, sendJson } from "./http-util";
import type { SandboxLimits } from "./isolation";
import type { Sandbox, SandboxStore } from "./sandbox-store";
import type { SnapshotFiles } from "./snapshot-layer";

/** What the routes need from the server around them. */
export interface RouteContext {
  store: SandboxStore;
  /** Origin of this server, e.g. `http://127.0.0.1:8787`. */
  baseUrl: () => string;
  limits: SandboxLimits;
  faults: FaultBoard;
  /** Snapshots a create may name, with the files each adds; any other name is a 400. */
  snapshots: ReadonlyMap<string, SnapshotFiles>;
}

const Labels = z.record(z.string(), z.string());

/** Body of `POST /api/sandbox` as the SDK sends it (unknown fields such as `class` or `volumes` are accepted). */
const CreateSandbox = z.looseObject({
  name: z.string().min(1).max(255).optional(),
  labels: Labels.optional(),
  env: z.record(z.string(), z.string()).optional(),
  cpu: z.number().int().min(1).max(64).optional(),
  gpu: z.number().int().min(0).max(8).optional(),
  memory: z.number().int().min(1).max(256).optional(),
  disk: z.number().int().min(1).max(1024).optional(),
  autoStopInterval: z.number().int().min(0).optional(),
  autoDeleteInterval: z.number().int().min(-1).optional(),
  public: z.boolean().optional(),
  networkBlockAll: z.boolean().optional(),
  networkAllowList: z.string().optional(),
  domainAllowList: z.string().optional(),
  target: z.string().optional(),
  snapshot: z.string().optional(),
  /** Set by the SDK when creating from an image: only then may resources be given. */
  buildInfo: z.looseObject({}).optional(),
});

/** Formats zod issues as one string: the SDK only shows `message` when it is a string. */
export function validationMessage(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
}

/** The sandbox DTO: every field the OpenAPI `Sandbox` schema marks required, plus state and timestamps. */
export function sandboxDto(sb: Sandbox, baseUrl: string, withEnv = true) {
  const m = sb.meta;
  return {
    id: m.id,
    organizationId: "dev-organization",
    name: m.name,
    user: "daytona",
    ...(withEnv ? { env: m.env } : {}),
    labels: m.labels,
    public: m.public,
    networkBlockAll: m.networkBlockAll,
    ...(m.networkAllowList ? { networkAllowList: m.networkAllowList } : {}),
    ...(m.domainAllowList ? { domainAllowList: m.domainAllowList } : {}),
    target: m.target,
    snapshot: m.snapshot,
    cpu: m.cpu,
    gpu: m.gpu,
    memory: m.memory,
    disk: m.disk,
    state: m.state,
    desiredState: desiredState(m.state),
    errorReason: m.errorReason,
    recoverable: m.state === "error",
    backupState: "None",
    autoStopInterval: m.autoStopInterval,
    autoArchiveInterval: 10080,
    autoDeleteInterval: m.autoDeleteInterval,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
    toolboxProxyUrl: `${baseUrl}/toolbox`,
  };
}

type Handler = (
  ctx: RouteContext,
  req: IncomingMessage,
  res: ServerResponse,
  params: string[],
  url: URL,
) => Promise<void>;

const routes: Array<[string, RegExp, Handler]> = [
  ["POST", /^\/api\/sandbox\/?$/, createSandbox],
  ["GET", /^\/api\/sandbox\/?$/, listSandboxes],
  ["GET", /^\/api\/sandbox\/([^/]+)\/?$/, getSandbox],
  ["DELETE", /^\/api\/sandbox\/([^/]+)\/?$/, deleteSandbox],
  ["POST", /^\/api\/sandbox\/([^/]+)\/start\/?$/, startSandbox],
  ["POST", /^\/api\/sandbox\/([^/]+)\/stop\/?$/, stopSandbox],
  ["POST", /^\/api\/sandbox\/([^/]+)\/recover\/?$/, recoverSandbox],
  ["POST", /^\/api\/sandbox\/([^/]+)\/archive\/?$/, archiveSandbox],
  ["GET", /^\/api\/sandbox\/([^/]+)\/ports\/(\d+)\/preview-url\/?$/, previewUrl],
  ["GET", /^\/api\/sandbox\/([^/]+)\/toolbox-proxy-url\/?$/, toolboxProxyUrl],
  ["PUT", /^\/api\/sandbox\/([^/]+)\/labels\/?$/, replaceLabels],
];

/** Dispatches a main-API request (path starting with `/api/`). Throws {@link ApiError} for 404/405. */
export async function handleApi(ctx: RouteContext, req: IncomingMessage, res: ServerResponse, url: URL) {
  let pathMatched = false;
  for (const [method, pattern, handler] of routes) {
    const m = pattern.exec(url.pathname);
    if (!m) continue;
    pathMatched = true;
    if (method !== req.method) continue;
    await handler(ctx, req, res, m.slice(1).map(decodeURIComponent), url);
    return;
  }
  throw new ApiError(pathMatched ? 405 : 404, `Cannot ${req.method} ${url.pathname}`);
}

async function createSandbox(ctx: RouteContext, req: IncomingMessage, res: ServerResponse) {
  const parsed = CreateSandbox.safeParse(await readJson(req));
  if (!parsed.success) throw new ApiError(400, validationMessage(parsed.error));
  const b = parsed.data;
  checkCreate(b, new Set(ctx.snapshots.keys()));
  const refusal = ctx.faults.for(undefined, b.labels ?? {}).refuseCreate;
  if (refusal?.kind === "rate") throw rateLimited(refusal.retryAfterSec ?? 10);
  if (refusal) throw quotaExceeded(refusal.kind, refusal.max ?? 0);
  const layer = b.snapshot ? ctx.snapshots.get(b.snapshot) : undefined;
  const sb = await ctx.store.create(
    {
      name: b.name ?? "",
      labels: b.labels ?? {},
      env: b.env ?? {},
      cpu: b.cpu ?? 1,
      gpu: b.gpu ?? 0,
      memory: b.memory ?? 1,
      disk: b.disk ?? 3,
      public: b.public ?? false,
      // Daytona's default is open egress (sandbox.entity.ts); the record says only what was asked for.
      networkBlockAll: b.networkBlockAll ?? false,
      networkAllowList: b.networkAllowList || undefined,
      domainAllowList: b.domainAllowList || undefined,
      target: b.target ?? "local",
      snapshot: b.snapshot,
      autoStopInterval: b.autoStopInterval ?? 15,
      autoDeleteInterval: b.autoDeleteInterval ?? -1,
    },
    layer,
  );
  sendJson(res, 200, sandboxDto(sb, ctx.baseUrl()));
}

async function listSandboxes(ctx: RouteContext, _req: IncomingMessage, res: ServerResponse, _p: string[], url: URL) {
  let labels: Record<string, string> = {};
  const raw = url.searchParams.get("labels");
  if (raw) {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new ApiError(400, "labels must be a JSON object of strings");
    }
    const parsed = Labels.safeParse(json);
    if (!parsed.success) throw new ApiError(400, `labels: ${validationMessage(parsed.error)}`);
    labels = parsed.data;
  }
  const all = ctx.store.list(labels);
  const limit = Math.min(Math.max(Number(url.searchParams.get("limit")) || 100, 1), 200);
  const start = Math.max(Number(url.searchParams.get("cursor")) || 0, 0);
  const page = all.slice(start, start + limit);
  const next = start + limit < all.length ? String(start + limit) : null;
  const base = ctx.baseUrl();
  sendJson(res, 200, { items: page.map((s) => sandboxDto(s, base, false)), total: all.length, nextCursor: next });
}

async function getSandbox(ctx: RouteContext, _req: IncomingMessage, res: ServerResponse, [id]: string[]) {
  const sb = ctx.store.get(id ?? "");
  ctx.store.oomKills(sb); // records OOM kills nobody has seen yet (e.g. of a background process)
  sendJson(res, 200, sandboxDto(sb, ctx.baseUrl()));
}

/** Answers at once with the sandbox as it is now (`destroying`, `starting`, …), as Daytona does; the change runs on. */
function respondAndContinue(ctx: RouteContext, res: ServerResponse, sb: Sandbox, change: Promise<void>) {
  change.catch((e) => console.warn(`[sandbox-server] sandbox ${sb.meta.id}:`, (e as Error).message));
  sendJson(res, 200, sandboxDto(sb, ctx.baseUrl()));
}

async function deleteSandbox(ctx: RouteContext, _req: IncomingMessage, res: ServerResponse, [id]: string[]) {
  const sb = ctx.store.get(id ?? "");
  respondAndContinue(ctx, res, sb, ctx.store.delete(sb));
}

async function startSandbox(ctx: RouteContext, _req: IncomingMessage, res: ServerResponse, [id]: string[]) {
  const sb = ctx.store.get(id ?? "");
  respondAndContinue(ctx, res, sb, ctx.store.start(sb));
}

async function recoverSandbox(ctx: RouteContext, _req: IncomingMessage, res: ServerResponse, [id]: string[]) {
  const sb = ctx.store.get(id ?? "");
  respondAndContinue(ctx, res, sb, ctx.store.recover(sb));
}

async function stopSandbox(ctx: RouteContext, _req: IncomingMessage, res: ServerResponse, [id]: string[]) {
  const sb = ctx.store.get(id ?? "");
  respondAndContinue(ctx, res, sb, ctx.store.stop(sb));
}

async function archiveSandbox(ctx: RouteContext, _req: IncomingMessage, res: ServerResponse, [id]: string[]) {
  const sb = ctx.store.get(id ?? "");
  respondAndContinue(ctx, res, sb, ctx.store.archive(sb));
}

async function previewUrl(ctx: RouteContext, _req: IncomingMessage, res: ServerResponse, [id, port]: string[]) {
  const sb = ctx.store.get(id ?? "");
  const n = Number(port);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new ApiError(400, "port must be between 1 and 65535");
  sendJson(res, 200, {
    sandboxId: sb.meta.id,
    url: `${ctx.baseUrl()}/preview/${sb.meta.id}/${n}`,
    token: sb.previewToken,
  });
}

async function toolboxProxyUrl(ctx: RouteContext, _req: IncomingMessage, res: ServerResponse, [id]: string[]) {
  ctx.store.get(id ?? "");
  sendJson(res, 200, { url: `${ctx.baseUrl()}/toolbox` });
}

/** sandbox.controller.ts `replaceLabels`: the body's labels replace all of them; the answer is `{ labels }`. */
async function replaceLabels(ctx: RouteContext, req: IncomingMessage, res: ServerResponse, [id]: string[]) {
  const sb = ctx.store.get(id ?? "");
  const parsed = z.object({ labels: Labels }).safeParse(await readJson(req));
  if (!parsed.success) throw new ApiError(400, validationMessage(parsed.error));
  await ctx.store.setLabels(sb, parsed.data.labels);
  sendJson(res, 200, { labels: sb.meta.labels });
}
