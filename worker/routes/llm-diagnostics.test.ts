/** `POST /v1/diagnostics/llm` against the scripted LLM server: a real call, and each failure with its guidance. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { call, newTenant, useTestDb } from "../../test/worker/harness";
import { script } from "../../test/worker/session-client";
import { createApp } from "../app";

const handle = useTestDb();

interface Report {
  ok: boolean;
  failedAt?: string;
  model: string | null;
  responseModel?: string;
  latencyMs?: number;
  usage?: { promptTokens: number };
  error?: { code: string; message: string; status?: number; providerCode?: string | null };
  guidance?: string;
}

/** Calls the route with some bindings replaced, as a misconfigured deployment would have them. */
async function withEnv(key: string, overrides: Partial<Env>, body: unknown): Promise<Report> {
  const ctx = createExecutionContext();
  const res = await createApp().fetch(
    new Request("https://fleet.test/v1/diagnostics/llm", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
    { ...env, ...overrides },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  expect(res.status).toBe(200);
  return (await res.json()) as Report;
}

it("makes a real call and reports latency, model and usage", async () => {
  const { apiKey } = await newTenant(handle, "diag-llm");
  const scriptId = `diag-${crypto.randomUUID()}`;
  await script(scriptId, ["pong"]);
  const res = await call("/v1/diagnostics/llm", {
    method: "POST",
    key: apiKey.secret,
    json: { model: `scripted:${scriptId}` },
  });
  const report = (await res.json()) as Report & { reply: string };
  expect(res.status).toBe(200);
  expect(report).toMatchObject({ ok: true, model: `scripted:${scriptId}`, reply: "pong" });
  expect(report.responseModel).toBe(`scripted:${scriptId}`);
  expect(report.latencyMs).toBeGreaterThanOrEqual(0);
  expect(report.usage?.promptTokens).toBeGreaterThan(0);
});

it("names the failure and what to check: key, model, timeout, reachability, configuration", async () => {
  const { apiKey } = await newTenant(handle, "diag-llm-fail");
  const key = apiKey.secret;

  const auth = await withEnv(key, { OPENAI_API_KEY: "sk-wrong-key-123456" }, { model: "solver" });
  expect(auth).toMatchObject({ ok: false, failedAt: "call", error: { code: "llm_auth_failed", status: 401 } });
  expect(auth.guidance).toMatch(/OPENAI_API_KEY/);
  expect(JSON.stringify(auth)).not.toContain("sk-wrong-key-123456");

  const model = `missing-${crypto.randomUUID()}`;
  const faults = await fetch(`${env.LLM_ADMIN_URL}/__admin/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ failNext: { count: 1, status: 404, model, message: "The model does not exist" } }),
  });
  expect(faults.status).toBe(200);
  const missing = await call("/v1/diagnostics/llm", { method: "POST", key, json: { model } });
  const notFound = (await missing.json()) as Report;
  expect(notFound).toMatchObject({ ok: false, model, error: { code: "upstream_error", status: 404 } });
  expect(notFound.guidance).toMatch(/model name/);

  const slowId = `slow-${crypto.randomUUID()}`;
  await script(slowId, [{ content: "late", delayMs: 3_000 }]);
  const slow = await call("/v1/diagnostics/llm", {
    method: "POST",
    key,
    json: { model: `scripted:${slowId}`, timeoutMs: 1_000 },
  });
  const timeout = (await slow.json()) as Report;
  expect(timeout).toMatchObject({ ok: false, error: { code: "timeout" } });
  expect(timeout.guidance).toMatch(/reachable/);

  const down = await withEnv(key, { OPENAI_BASE_URL: "http://127.0.0.1:9/v1" }, { model: "solver" });
  expect(down).toMatchObject({ ok: false, error: { code: "unavailable" } });
  expect(down.guidance).toMatch(/OPENAI_BASE_URL/);

  const unnamed = await withEnv(key, { OPENAI_MODEL: undefined }, {});
  expect(unnamed).toMatchObject({ ok: false, failedAt: "configure", error: { code: "validation_failed" } });
  expect(unnamed.guidance).toMatch(/OPENAI_MODEL/);
}, 60_000);

it("rejects bad input naming the field, and non-admin keys", async () => {
  const { apiKey } = await newTenant(handle, "diag-llm-bad");
  const bad = await call("/v1/diagnostics/llm", { method: "POST", key: apiKey.secret, json: { timeoutMs: 5 } });
  expect(bad.status).toBe(400);
  expect(await bad.text()).toContain("json.timeoutMs");
  const reader = await newTenant(handle, "diag-llm-ro", ["tasks:read"]);
  const denied = await call("/v1/diagnostics/llm", { method: "POST", key: reader.apiKey.secret, json: {} });
  expect(denied.status).toBe(403);
});
