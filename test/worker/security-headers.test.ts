/** Security headers on every kind of response: API JSON, `/docs`, the OpenAPI documents and the SPA's files. */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call } from "./harness";

/** No 'unsafe-inline', no 'unsafe-eval': markup in a model's answer can never run script. */
const PAGE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const RESOURCE_POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function expectSecure(res: Response, csp: string): void {
  expect(res.headers.get("content-security-policy")).toBe(csp);
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("x-frame-options")).toBe("DENY");
  expect(res.headers.get("referrer-policy")).toBe("no-referrer");
  expect(res.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
}

describe("security headers", () => {
  it("API JSON, its errors and its unknown routes", async () => {
    const health = await call("/health");
    expect(health.status).toBe(200);
    expectSecure(health, RESOURCE_POLICY);
    const unauthenticated = await call("/v1/me");
    expect(unauthenticated.status).toBe(401);
    expectSecure(unauthenticated, RESOURCE_POLICY);
    const unknown = await call("/v1/no-such-route");
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toContain("application/json");
    expectSecure(unknown, RESOURCE_POLICY);
  });

  it("/docs under the page policy, its styles in a served file", async () => {
    const docs = await call("/docs");
    expect(docs.status).toBe(200);
    expectSecure(docs, PAGE_POLICY);
    const html = await docs.text();
    expect(html).not.toMatch(/<script|<style|\sstyle=/);
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(html)?.[1] ?? "";
    const css = await call(href);
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toContain("text/css");
    expect(await css.text()).toContain("prefers-color-scheme:dark");
    expectSecure(css, RESOURCE_POLICY);
  });

  it("/openapi.yaml and /openapi.json", async () => {
    for (const path of ["/openapi.yaml", "/openapi.json"]) {
      const res = await call(path);
      expect(res.status, path).toBe(200);
      expectSecure(res, RESOURCE_POLICY);
    }
  });

  it("the SPA's index.html (also for a client route) and its JS and CSS files", async () => {
    const index = await call("/");
    expect(index.status).toBe(200);
    expectSecure(index, PAGE_POLICY);
    const html = await index.text();
    expect(html).toContain('<div id="app">');
    const route = await call("/sessions/00000000-0000-4000-8000-000000000000");
    expect(route.status).toBe(200);
    expectSecure(route, PAGE_POLICY);
    const files = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1] as string);
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const file of files) {
      const res = await call(file);
      expect(res.status, file).toBe(200);
      expect(res.headers.get("content-type"), file).toMatch(/javascript|css/);
      expectSecure(res, RESOURCE_POLICY);
    }
  });

  it("sends HSTS over https only", async () => {
    const res = await exports.default.fetch(new Request("http://127.0.0.1:8787/health"));
    expect(res.status).toBe(200);
    expect(res.headers.get("strict-transport-security")).toBeNull();
    expect(res.headers.get("content-security-policy")).toBe(RESOURCE_POLICY);
  });
});
