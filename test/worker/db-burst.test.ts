/**
 * A burst of requests larger than the database's connection limit: requests that cannot get a connection answer 503
 * `unavailable` with `retry-after`, never 500. The Worker is pointed at a database of its own (the global setup's
 * `burstDatabase`, which accepts only a few connections), so the burst cannot starve the suites running beside it.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { createApp } from "../../worker/app";
import { bootstrapTenant } from "../../worker/auth/bootstrap";
import { openDb } from "../../worker/db/client";
import { tenants } from "../../worker/db/schema";
import { uniqueSlug } from "./harness";

/** Concurrent requests in the burst: far past the database's limit and the per-request pool's size. */
const BURST = 150;

const database = inject("burstDatabase");
const burstEnv: Env = { ...env, DATABASE_URL: database.url, NEON_WS_PROXY: database.wsProxy };
let apiKey = "";
const logged: string[] = [];
const originalError = console.error;

beforeAll(async () => {
  const handle = openDb(burstEnv);
  try {
    const { tenant, apiKey: key } = await bootstrapTenant(handle.db, {
      tenantSlug: uniqueSlug("burst"),
      email: "burst@example.com",
      scopes: ["admin"],
    });
    // The enterprise plan's request limit (6,000 a minute) keeps the rate limiter out of the burst.
    await handle.db.update(tenants).set({ plan: "enterprise" }).where(eq(tenants.id, tenant.id));
    apiKey = key.secret;
  } finally {
    await handle.close();
  }
  console.error = (...args: unknown[]) => void logged.push(args.map(String).join(" "));
});

afterAll(() => {
  console.error = originalError;
});

it(`answers a burst of ${BURST} requests with 2xx or 503 + retry-after, never 500`, async () => {
  const app = createApp();
  const ctx = createExecutionContext();
  const responses = await Promise.all(
    Array.from({ length: BURST }, () =>
      app.fetch(
        new Request("https://fleet.test/v1/me", { headers: { authorization: `Bearer ${apiKey}` } }),
        burstEnv,
        ctx,
      ),
    ),
  );
  await waitOnExecutionContext(ctx);
  const counts = new Map<number, number>();
  for (const res of responses) counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
  originalError(`burst of ${BURST}: ${JSON.stringify(Object.fromEntries(counts))}`);
  const unexpected = responses.filter((res) => !res.ok && res.status !== 503);
  expect(unexpected.map((res) => res.status)).toEqual([]);
  expect(counts.get(200) ?? 0).toBeGreaterThan(0);
  for (const res of responses.filter((r) => r.status === 503)) {
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unavailable");
  }
  const exhausted = logged.filter((line) => line.includes('"code":"unavailable"'));
  if ((counts.get(503) ?? 0) > 0) {
    // The driver's own error is kept in the log, by its SQLSTATE, without the query's parameters.
    expect(exhausted.some((line) => line.includes("53300"))).toBe(true);
    expect(exhausted.some((line) => line.includes("params:") || line.includes("api_keys"))).toBe(false);
  }
});
