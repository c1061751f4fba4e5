/**
 * Security headers on every response the Worker sends: the API's JSON, `/docs`, the OpenAPI documents and the SPA's
 * static assets (wrangler.toml runs the Worker first for every path, so assets pass through here too).
 */
import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";

type Policy = Record<string, string[]>;

/**
 * The policy for HTML pages (the SPA, `/docs`): script only from the app's own bundle, so markup in a model's answer
 * can never run even if it reached the DOM. React's `style={…}` props go through CSSOM, which CSP does not govern,
 * so no `'unsafe-inline'` is needed for styles. `'self'` covers same-origin `ws:`/`wss:` in CSP3 browsers (the
 * browser test's chat sockets run under it in Chromium).
 */
export const PAGE_CSP: Policy = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/**
 * The policy for everything else (JSON, YAML, JS/CSS files, and every `/v1` response — an uploaded HTML document's
 * original included): nothing may load, nothing may frame it.
 */
export const RESOURCE_CSP: Policy = {
  defaultSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
};

/** One year, the minimum the HSTS preload list asks for; browsers renew it on every https response. */
const HSTS = "max-age=31536000; includeSubDomains";

function policy(contentSecurityPolicy: Policy, https: boolean): MiddlewareHandler {
  return secureHeaders({
    contentSecurityPolicy,
    xFrameOptions: "DENY",
    // RFC 6797 §8.1: ignored over http anyway; not sent there so local dev on http://127.0.0.1 shows no policy.
    strictTransportSecurity: https ? HSTS : false,
  });
}

const POLICIES = {
  page: { https: policy(PAGE_CSP, true), http: policy(PAGE_CSP, false) },
  resource: { https: policy(RESOURCE_CSP, true), http: policy(RESOURCE_CSP, false) },
};

const noop = async () => {};

/**
 * Middleware: sets CSP, `nosniff`, `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`, HSTS (https only) and
 * Hono's other secure defaults. An HTML page outside `/v1` gets {@link PAGE_CSP}, anything else
 * {@link RESOURCE_CSP}. A WebSocket upgrade (101) is passed through untouched: it carries no document.
 */
export function securityHeaders(): MiddlewareHandler {
  return async function securityHeaders(c, next) {
    await next();
    if (c.res.status === 101) return;
    // Responses from fetch(), a Durable Object stub or the assets binding have immutable headers: set them on a copy.
    c.res = new Response(c.res.body, c.res);
    const html = c.res.headers.get("content-type")?.startsWith("text/html") ?? false;
    const kind = html && !c.req.path.startsWith("/v1/") ? "page" : "resource";
    await POLICIES[kind][new URL(c.req.url).protocol === "https:" ? "https" : "http"](c, noop);
  };
}
