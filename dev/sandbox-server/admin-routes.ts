/**
 * The test-only admin API under `/__admin/` (Bearer API key, like the rest), after dev/llm's `__admin` routes:
 * - `POST /__admin/faults` `{sandboxId | label: {key, value}, faults: Faults | null}` → `{ok: true}`: sets (or
 *   clears) the faults of one sandbox or of every sandbox with that label, so parallel tests never meet each other's.
 * - `POST /__admin/sandbox/{id}/error` `{reason?}` → the sandbox DTO: kills its processes and leaves it in `error`
 *   (recoverable), as a runner fault does mid-session.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { type RouteContext, sandboxDto, validationMessage } from "./api-routes";
import { Faults } from "./daytona-behaviour";
import { ApiError, readJson, sendJson } from "./http-util";

/** `{sandboxId | label, faults}`: see `FaultScope`. */
const SetFaults = z.union([
  z.strictObject({ sandboxId: z.string().min(1), faults: Faults.nullable() }),
  z.strictObject({
    label: z.strictObject({ key: z.string().min(1), value: z.string() }),
    faults: Faults.nullable(),
  }),
]);

const FailBody = z.strictObject({ reason: z.string().optional() });

/** Dispatches a request whose path starts with `/__admin/`. */
export async function handleAdmin(ctx: RouteContext, req: IncomingMessage, res: ServerResponse, url: URL) {
  if (req.method === "POST" && url.pathname === "/__admin/faults") {
    const parsed = SetFaults.safeParse(await readJson(req));
    if (!parsed.success) throw new ApiError(400, validationMessage(parsed.error));
    const { faults, ...scope } = parsed.data;
    ctx.faults.set(scope, faults);
    return sendJson(res, 200, { ok: true });
  }
  const fail = /^\/__admin\/sandbox\/([^/]+)\/error$/.exec(url.pathname);
  if (req.method === "POST" && fail?.[1]) {
    const parsed = FailBody.safeParse(await readJson(req));
    if (!parsed.success) throw new ApiError(400, validationMessage(parsed.error));
    const sb = ctx.store.get(decodeURIComponent(fail[1]));
    await ctx.store.fail(sb, parsed.data.reason ?? "the runner reported an error (fault injected by a test)");
    return sendJson(res, 200, sandboxDto(sb, ctx.baseUrl()));
  }
  throw new ApiError(404, `Cannot ${req.method} ${url.pathname}`);
}
