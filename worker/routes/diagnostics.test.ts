/** The sandbox diagnostics route: a real round trip, its failure report, and its input checks. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { call, newTenant, useTestDb } from "../../test/worker/harness";
import { createApp } from "../app";

const handle = useTestDb();

it("times REPL round trips and ingestion through the real sandbox path", async () => {
  const { apiKey } = await newTenant(handle);
  const res = await call("/v1/diagnostics/sandbox", {
    method: "POST",
    key: apiKey.secret,
    json: { execs: 5, contextMb: 2 },
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as {
    ok: boolean;
    exec: { count: number; medianMs: number };
    ingest: { bytes: number };
  };
  expect(body.ok).toBe(true);
  expect(body.exec.count).toBe(5);
  expect(body.exec.medianMs).toBeGreaterThan(0);
  expect(body.ingest.bytes).toBe(2 * 1024 * 1024);
});

it("pauses before each timed statement when asked, without counting the pause", async () => {
  const { apiKey } = await newTenant(handle);
  const started = Date.now();
  const res = await call("/v1/diagnostics/sandbox", {
    method: "POST",
    key: apiKey.secret,
    json: { execs: 4, pauseMs: 150 },
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { ok: boolean; exec: { count: number; samplesMs: number[] } };
  expect(body.ok).toBe(true);
  expect(body.exec.count).toBe(4);
  // Not a timing bound: the pauses lie outside the timed samples, so samples plus pauses fit in the wall time.
  const elapsed = Date.now() - started;
  const timed = body.exec.samplesMs.reduce((a, b) => a + b, 0);
  expect(timed + 4 * 150).toBeLessThanOrEqual(elapsed);
});

it("reports the failing stage with guidance when the provider refuses the key", async () => {
  const { apiKey } = await newTenant(handle);
  const ctx = createExecutionContext();
  const res = await createApp().fetch(
    new Request("https://fleet.test/v1/diagnostics/sandbox", {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey.secret}`, "content-type": "application/json" },
      body: JSON.stringify({ execs: 1 }),
    }),
    { ...env, DAYTONA_API_KEY: "wrong-key" },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { ok: boolean; failedAt: string; guidance: string; error: { message: string } };
  expect(body).toMatchObject({ ok: false, failedAt: "create" });
  expect(body.guidance).toMatch(/DAYTONA_API_KEY/);
  expect(body.error.message).toMatch(/credentials/);
});

it("rejects bad input naming the field, and non-admin keys", async () => {
  const { apiKey } = await newTenant(handle);
  const bad = await call("/v1/diagnostics/sandbox", { method: "POST", key: apiKey.secret, json: { execs: 0 } });
  expect(bad.status).toBe(400);
  expect(await bad.text()).toContain("json.execs");
  const long = await call("/v1/diagnostics/sandbox", { method: "POST", key: apiKey.secret, json: { pauseMs: 5000 } });
  expect(long.status).toBe(400);
  expect(await long.text()).toContain("json.pauseMs");
  const reader = await newTenant(handle, "ro", ["tasks:read"]);
  const denied = await call("/v1/diagnostics/sandbox", { method: "POST", key: reader.apiKey.secret, json: {} });
  expect(denied.status).toBe(403);
});

it("times a run's start to its first block, and refuses a start this deployment is not configured for", async () => {
  const { apiKey } = await newTenant(handle);
  const cold = await call("/v1/diagnostics/sandbox", { method: "POST", key: apiKey.secret, json: { start: "cold" } });
  expect(cold.status).toBe(200);
  const body = (await cold.json()) as {
    ok: boolean;
    firstBlock: { start: string; readyMs: number; firstBlockMs: number };
  };
  expect(body).toMatchObject({ ok: true, firstBlock: { start: "cold" } });
  expect(body.firstBlock.firstBlockMs).toBeGreaterThan(body.firstBlock.readyMs);
  // The test Worker has neither a snapshot nor a pool configured.
  for (const start of ["snapshot", "warm"]) {
    const res = await call("/v1/diagnostics/sandbox", { method: "POST", key: apiKey.secret, json: { start } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { code: "validation_failed", details: { issues: [{ field: "json.start" }] } },
    });
  }
});
