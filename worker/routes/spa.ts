/** The SPA's files, for every path the API does not answer (wrangler.toml runs the Worker first for all paths). */
import type { Context } from "hono";
import type { AppEnv } from "./app-env";
import { handleNotFound } from "./errors";

/**
 * `app.notFound`: a GET or HEAD outside `/v1` is the SPA's — the assets binding serves the file, or `index.html`
 * for a client route (`not_found_handling`); anything else is the API's JSON 404.
 */
export function serveSpa(c: Context<AppEnv>): Response | Promise<Response> {
  const read = c.req.method === "GET" || c.req.method === "HEAD";
  if (!read || c.req.path === "/v1" || c.req.path.startsWith("/v1/")) return handleNotFound(c);
  return c.env.ASSETS.fetch(c.req.raw);
}
