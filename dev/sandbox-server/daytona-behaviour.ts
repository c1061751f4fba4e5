/**
 * How Daytona answers when things are not simple, in one place: lifecycle rules and their errors, organisation
 * quotas, preview-auth redirects, latency, and the fault switches a test can turn on. Each rule cites the file of
 * `daytonaio/daytona` @ b5a5d9e (v0.190.0, the last public server code) it follows; the routes and the store only
 * ask this module what to do.
 */
import { z } from "zod";
import { ApiError } from "./http-util";

/** The lifecycle states the product can meet (apps/api/src/sandbox/enums/sandbox-state.enum.ts has 22). */
export type SandboxState =
  | "creating"
  | "starting"
  | "started"
  | "stopping"
  | "stopped"
  | "archiving"
  | "archived"
  | "error"
  | "destroying"
  | "destroyed";

/** Where each transitional state is heading (Daytona's `desiredState`; `pending` is true meanwhile). */
const HEADING: Partial<Record<SandboxState, SandboxState>> = {
  creating: "started",
  starting: "started",
  stopping: "stopped",
  archiving: "archived",
  destroying: "destroyed",
};

/** The `desiredState` Daytona reports for `state`; an `error` sandbox still wants to be started. */
export function desiredState(state: SandboxState): SandboxState {
  if (state === "error") return "started";
  return HEADING[state] ?? state;
}

/** True while a state change is under way (Daytona: `pending`, or `state ≠ desiredState`). */
export function inTransition(state: SandboxState): boolean {
  return HEADING[state] !== undefined;
}

/** 409 of apps/api/src/exceptions/state-change-in-progress.exception.ts. */
export function stateChangeInProgress(): ApiError {
  return new ApiError(409, "Sandbox state change in progress");
}

/**
 * May a sandbox in `state` be started? Follows sandbox.service.ts `start`: a started one is a no-op (`"noop"`), an
 * errored one is a 400 `SandboxError` until `recover`, a transition is a 409, and only stopped, archived or archiving
 * sandboxes start.
 */
export function checkStart(state: SandboxState): "noop" | "start" {
  if (state === "started") return "noop";
  if (state === "error") throw new ApiError(400, "Sandbox is in an errored state");
  if (state === "archiving") return "start"; // "Allow start of stopped | archived and archiving | archived sandboxes"
  if (inTransition(state)) throw stateChangeInProgress();
  if (state !== "stopped" && state !== "archived") throw new ApiError(400, "Sandbox is not in valid state");
  return "start";
}

/** sandbox.service.ts `stop`: errored → 400, transition → 409, only a started sandbox stops. */
export function checkStop(state: SandboxState): void {
  if (state === "error") throw new ApiError(400, "Sandbox is in an errored state");
  if (inTransition(state)) throw stateChangeInProgress();
  if (state !== "started") throw new ApiError(400, "Sandbox is not in a stoppable state");
}

/** sandbox.service.ts `archive`: only a stopped sandbox archives; a transition is a 409. */
export function checkArchive(state: SandboxState): void {
  if (inTransition(state)) throw stateChangeInProgress();
  if (state !== "stopped") throw new ApiError(400, "Sandbox is not stopped");
}

/** sandbox.service.ts `destroy`: a pending sandbox (a second delete, a delete during a transition) → 409. */
export function checkDestroy(state: SandboxState): void {
  if (inTransition(state)) throw stateChangeInProgress();
}

/** sandbox.service.ts `recover`: only a recoverable sandbox in `error` recovers. */
export function checkRecover(state: SandboxState): void {
  if (state !== "error") throw new ApiError(400, "Sandbox must be in error state to recover");
}

/** The parts of a create request Daytona's controller checks before anything else. */
export interface CreateShape {
  buildInfo?: unknown;
  snapshot?: string;
  cpu?: number;
  gpu?: number;
  memory?: number;
  disk?: number;
}

/**
 * sandbox.controller.ts `createSandbox`: resources come with an image (`buildInfo`) only — from a snapshot they are
 * the snapshot's, so any cpu/gpu/memory/disk is a 400 — and a named snapshot must exist
 * (sandbox.service.ts `createFromSnapshot`).
 */
export function checkCreate(shape: CreateShape, knownSnapshots: ReadonlySet<string>): void {
  if (!shape.buildInfo && (shape.cpu || shape.gpu || shape.memory || shape.disk)) {
    throw new ApiError(400, "Cannot specify Sandbox resources when using a snapshot");
  }
  if (shape.snapshot && !knownSnapshots.has(shape.snapshot)) {
    throw new ApiError(400, `Snapshot ${shape.snapshot} not found. Did you add it through the Daytona Dashboard?`);
  }
}

/** Organisation totals, in Daytona's units (vCPU, GiB); undefined means unlimited. Tier 1: 10 / 10 / 30. */
export interface OrgQuota {
  cpu?: number;
  memory?: number;
  disk?: number;
}

/** Daytona's Tier 1 organisation quota (apps/docs/src/content/docs/en/limits.mdx). */
export const TIER1_QUOTA: OrgQuota = { cpu: 10, memory: 10, disk: 30 };

/** A quota's kind, as named in the refusal. */
export type QuotaKind = "cpu" | "memory" | "disk";

/** What a sandbox holds against the quota. */
export interface Usage {
  cpu: number;
  memory: number;
  disk: number;
}

/**
 * What counts against the quota in `state`: CPU and memory while it runs or is on its way up, disk until it is
 * archived or destroyed — stopped sandboxes keep their disk (docs/en/limits.mdx; organization-usage.service.ts).
 */
export function usageIn(state: SandboxState, size: Usage): Usage {
  const running = state === "creating" || state === "starting" || state === "started" || state === "stopping";
  const disk = state !== "archived" && state !== "destroyed";
  return { cpu: running ? size.cpu : 0, memory: running ? size.memory : 0, disk: disk ? size.disk : 0 };
}

/** Dashboard named by Daytona's refusals (error-messages.ts `UPGRADE_TIER_MESSAGE`). */
const DASHBOARD = "https://app.daytona.io/dashboard";

/**
 * Daytona's 400 for an exhausted org quota, word for word (sandbox.service.ts `validateOrganizationQuotas`,
 * common/constants/error-messages.ts).
 */
export function quotaExceeded(kind: QuotaKind, max: number): ApiError {
  const upgrade = `To increase concurrency limits, upgrade your organization's Tier by visiting ${DASHBOARD}/limits.`;
  const archive = "Consider archiving your unused Sandboxes to free up available storage.";
  const message =
    kind === "cpu"
      ? `Total CPU limit exceeded. Maximum allowed: ${max}.\n${upgrade}`
      : kind === "memory"
        ? `Total memory limit exceeded. Maximum allowed: ${max}GiB.\n${upgrade}`
        : `Total disk limit exceeded. Maximum allowed: ${max}GiB.\n${archive}\n${upgrade}`;
  return new ApiError(400, message);
}

/**
 * Refuses `adding` on top of `used` when a total would pass `quota`: CPU first, then memory, then disk, as
 * `validateOrganizationQuotas` checks them.
 */
export function checkQuota(quota: OrgQuota, used: Usage, adding: Usage): void {
  for (const kind of ["cpu", "memory", "disk"] as const) {
    const max = quota[kind];
    if (max !== undefined && adding[kind] > 0 && used[kind] + adding[kind] > max) throw quotaExceeded(kind, max);
  }
}

/** A rate-limited request: 429 with a plain `Retry-After` (apps/api/src/common/utils/rate-limit-headers.util.ts). */
export function rateLimited(retryAfterSec: number): ApiError {
  return new ApiError(429, "ThrottlerException: Too Many Requests", {}, { "retry-after": String(retryAfterSec) });
}

/** Where a refused preview is redirected, standing in for Daytona's OIDC login. */
export const LOGIN_PATH = "/__login";

/**
 * A bad or missing preview token on a non-toolbox host: a 307 to the OIDC login, not a 401
 * (apps/proxy/pkg/proxy/auth.go `Authenticate`, `ctx.Redirect(http.StatusTemporaryRedirect, authUrl)`).
 */
export function loginRedirect(origin: string, returnTo: string): { status: 307; location: string } {
  return { status: 307, location: `${origin}${LOGIN_PATH}?returnTo=${encodeURIComponent(returnTo)}` };
}

/**
 * Bodies the proxy buffers so it can replay them once on a stale connection (EOF/ECONNRESET):
 * libs/common-go/pkg/proxy/retry_transport.go `maxRetryBodySize`.
 */
export const MAX_REPLAY_BODY = 256 * 1024;

/** Artificial latency, ms, so local runs feel like the cloud (daytona-production.md §10). */
export interface Latency {
  /** Creating a sandbox until it is `started` (Daytona: seconds; the server waits ≤30 s). */
  createMs: number;
  /** `starting`, after `POST /start` or `/recover`. */
  startMs: number;
  /** `stopping` and `archiving`. */
  stopMs: number;
  /** `destroying`, before the sandbox is gone (404). */
  destroyMs: number;
  /** Each toolbox and preview request: proxy → runner → daemon hops. */
  requestMs: number;
}

/** What `npm run dev` gets: a cold create of a couple of seconds, and tens of ms per proxied request. */
export const CLOUD_LATENCY: Latency = { createMs: 2_000, startMs: 1_000, stopMs: 500, destroyMs: 500, requestMs: 30 };

/** For tests: no added latency. */
export const NO_LATENCY: Latency = { createMs: 0, startMs: 0, stopMs: 0, destroyMs: 0, requestMs: 0 };

/**
 * Faults a test turns on for one sandbox (by id) or for every sandbox carrying a label, so parallel tests never see
 * each other's faults. All are off by default. Validates `POST /__admin/faults`.
 */
export const Faults = z.strictObject({
  /** A daemon older than 2026-07 (v0.190.0 apps/daemon/pkg/toolbox/server.go): `files/upload-v2` is a 404. */
  noUploadV2: z.boolean().optional(),
  /**
   * A front door that gives up on a response not started within this many ms (a cloud load balancer's idle timeout;
   * Daytona's own proxy has none, libs/common-go/pkg/proxy/server_config.go).
   */
  frontDoorTimeoutMs: z.number().int().min(0).optional(),
  /** What the front door does then: answer 524 (Cloudflare's "a timeout occurred", the default) or close the socket. */
  frontDoorMode: z.enum(["524", "close"]).optional(),
  /** The proxy replays every small POST once, as retry_transport.go does after ECONNRESET. */
  replayPosts: z.boolean().optional(),
  /** Creates with this label fail: an org quota (400, Daytona's text) or a rate limit (429 + Retry-After). */
  refuseCreate: z
    .union([
      z.strictObject({ kind: z.enum(["cpu", "memory", "disk"]), max: z.number().min(0).optional() }),
      z.strictObject({ kind: z.literal("rate"), retryAfterSec: z.number().int().min(0).optional() }),
    ])
    .optional(),
  /**
   * `process/execute` answers when the output pipe reaches EOF, not when the shell exits, as Daytona's daemon does
   * (apps/daemon/pkg/toolbox/process/execute.go): a background child that keeps the pipe hangs the call until the
   * timeout, which kills its process group. Off by default: the dev server's historic answer is at shell exit.
   */
  outputEof: z.boolean().optional(),
  /** Transitions of this sandbox (start, stop, archive, destroy) take this long, ms, overriding {@link Latency}. */
  transitionMs: z.number().int().min(0).optional(),
});
export type Faults = z.infer<typeof Faults>;

/** Where a set of faults applies: one sandbox, or every sandbox with `label.key = label.value`. */
export type FaultScope = { sandboxId: string } | { label: { key: string; value: string } };

/** The switch board behind `POST /__admin/faults`: faults per sandbox id and per label. */
export class FaultBoard {
  private readonly byId = new Map<string, Faults>();
  private readonly byLabel = new Map<string, Faults>();

  /** Replaces the faults of `scope`; `null` clears them. */
  set(scope: FaultScope, faults: Faults | null): void {
    const [map, key] = "sandboxId" in scope ? [this.byId, scope.sandboxId] : [this.byLabel, labelKey(scope.label)];
    if (faults) map.set(key, faults);
    else map.delete(key);
  }

  /** The faults that apply to a sandbox (label faults first, the sandbox's own on top). */
  for(id: string | undefined, labels: Record<string, string>): Faults {
    const merged: Faults = {};
    for (const [k, v] of Object.entries(labels))
      Object.assign(merged, this.byLabel.get(labelKey({ key: k, value: v })));
    return Object.assign(merged, id === undefined ? undefined : this.byId.get(id));
  }
}

function labelKey({ key, value }: { key: string; value: string }): string {
  return `${key}\n${value}`;
}
