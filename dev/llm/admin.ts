/**
 * The admin API under `/__admin/` (JSON in, JSON out, no auth — a local test tool):
 * - `GET  /__admin/requests?model=&path=&limit=` → `{requests: RecordedRequest[]}`
 * - `POST /__admin/reset` → `{ok: true}`: start-time config and faults, no scripts, empty log
 * - `POST /__admin/script` (array | `{scriptId?, replies, replace?}`) → `{scriptId, queued}`
 * - `GET  /__admin/script` → `{queues: {<scriptId>: remaining}}`
 * - `GET|POST /__admin/config` (partial {@link LlmConfig}) → the config
 * - `GET|POST /__admin/faults` (`{failNext?, failRate?, clear?}`) → `{next, rate}`; a `failNext` rule with a 3xx
 *   status and a `location` answers with that redirect
 */
import { z } from "zod";
import type { FailNextRule } from "./faults";
import { DEFAULT_QUEUE } from "./models";
import { ScriptRequest, toReply } from "./script";
import type { LlmState } from "./state";

const ConfigPatch = z
  .object({
    apiKey: z.string().min(1).nullable(),
    latencyMs: z.number().nonnegative(),
    perTokenMs: z.number().nonnegative(),
    mode: z.enum(["script", "solver"]),
    models: z.array(z.string().min(1)),
    acceptAnyModel: z.boolean(),
    streamChunkChars: z.number().int().positive(),
    record: z.enum(["full", "meta", "off"]),
    maxRecords: z.number().int().positive(),
  })
  .partial()
  .strict();

const Status = z.number().int().min(400).max(599);
const FailNext = z
  .object({
    count: z.number().int().positive().default(1),
    // 3xx only as a redirect, with `location`.
    status: z.number().int().min(300).max(599),
    message: z.string().optional(),
    retryAfter: z.number().nonnegative().optional(),
    model: z.string().optional(),
    location: z.url().optional(),
  })
  .refine((rule) => rule.status >= 400 || rule.location !== undefined, {
    message: "a 3xx status needs a location",
    path: ["location"],
  });
const FailRate = z.object({
  probability: z.number().min(0).max(1),
  status: Status.default(500),
  seed: z.number().int().default(1),
  message: z.string().optional(),
  retryAfter: z.number().nonnegative().optional(),
  model: z.string().optional(),
});
const FaultsPatch = z
  .object({ failNext: z.union([FailNext, z.array(FailNext)]), failRate: FailRate.nullable(), clear: z.boolean() })
  .partial()
  .strict();

/** Admin-route result. */
export interface AdminResult {
  status: number;
  body: unknown;
}

type Leaf = { path: PropertyKey[]; message: string };

// Union errors nest one issue list per branch; the deepest leaves name the branch the caller most likely meant.
function leaves(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []): Leaf[] {
  return issues.flatMap((i) =>
    i.code === "invalid_union" && i.errors.length > 0
      ? i.errors.flatMap((branch) => leaves(branch, [...prefix, ...i.path]))
      : [{ path: [...prefix, ...i.path], message: i.message }],
  );
}

function invalid(error: z.ZodError): AdminResult {
  const all = leaves(error.issues);
  const depth = Math.max(...all.map((l) => l.path.length));
  const message = all
    .filter((l) => l.path.length === depth)
    .map((l) => `${l.path.map(String).join(".") || "body"}: ${l.message}`)
    .join("; ");
  return {
    status: 400,
    body: { error: { message, type: "invalid_request_error", param: null, code: "invalid_admin_body" } },
  };
}

/** Applies a faults patch; shared by the HTTP route and the in-process helpers. */
export function patchFaults(state: LlmState, patch: unknown): AdminResult {
  const parsed = FaultsPatch.safeParse(patch);
  if (!parsed.success) return invalid(parsed.error);
  const p = parsed.data;
  if (p.clear) state.faults.clear();
  const next: FailNextRule[] = p.failNext === undefined ? [] : Array.isArray(p.failNext) ? p.failNext : [p.failNext];
  for (const rule of next) state.faults.failNext(rule);
  if (p.failRate !== undefined) state.faults.failRate(p.failRate);
  return { status: 200, body: state.faults.snapshot() };
}

/** Applies a config patch; shared by the HTTP route and the in-process helpers. */
export function patchConfig(state: LlmState, patch: unknown): AdminResult {
  const parsed = ConfigPatch.safeParse(patch);
  if (!parsed.success) return invalid(parsed.error);
  state.config = { ...state.config, ...parsed.data };
  return { status: 200, body: state.config };
}

/** Queues scripted replies; shared by the HTTP route and the in-process helpers. */
export function pushScript(state: LlmState, body: unknown): AdminResult {
  const parsed = ScriptRequest.safeParse(body);
  if (!parsed.success) return invalid(parsed.error);
  const req = Array.isArray(parsed.data) ? { replies: parsed.data } : parsed.data;
  const scriptId = "scriptId" in req && req.scriptId ? req.scriptId : DEFAULT_QUEUE;
  const queued = state.scripts.push(scriptId, req.replies.map(toReply), "replace" in req && req.replace === true);
  return { status: 200, body: { scriptId, queued } };
}

/** Serves one admin request. `pathname` starts with `/__admin/`. */
export function handleAdmin(state: LlmState, method: string, url: URL, body: unknown): AdminResult {
  const route = `${method} ${url.pathname.replace(/\/+$/, "")}`;
  switch (route) {
    case "GET /__admin/requests": {
      const limit = url.searchParams.get("limit");
      return {
        status: 200,
        body: {
          requests: state.log.list({
            model: url.searchParams.get("model") ?? undefined,
            path: url.searchParams.get("path") ?? undefined,
            limit: limit && /^\d+$/.test(limit) ? Number(limit) : undefined,
          }),
        },
      };
    }
    case "POST /__admin/reset":
      state.reset();
      return { status: 200, body: { ok: true } };
    case "POST /__admin/script":
      return pushScript(state, body);
    case "GET /__admin/script":
      return { status: 200, body: { queues: state.scripts.snapshot() } };
    case "GET /__admin/config":
      return { status: 200, body: state.config };
    case "POST /__admin/config":
      return patchConfig(state, body ?? {});
    case "GET /__admin/faults":
      return { status: 200, body: state.faults.snapshot() };
    case "POST /__admin/faults":
      return patchFaults(state, body ?? {});
    default:
      return {
        status: 404,
        body: {
          error: { message: `Unknown admin route ${route}`, type: "invalid_request_error", param: null, code: null },
        },
      };
  }
}

/** Body of `POST /__admin/faults`. */
export type FaultsPatchInput = z.input<typeof FaultsPatch>;
