/**
 * Fast starts: a sandbox from the REPL snapshot launches the installed server without uploading it (and uploads it
 * when the snapshot holds another version), and the warm pool hands runs started sandboxes with a running REPL,
 * relabelled as the run's, replacing those too old to trust and backing off when Daytona refuses creates.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, describe, expect, inject, it } from "vitest";
import { SandboxPoolDO } from "../../worker/durable/sandbox-pool-do";
import { getSandboxPoolStub } from "../../worker/durable/sandbox-pool-stub";
import {
  daytonaProvider,
  daytonaSettings,
  ReplSession,
  type SandboxHandle,
  tenantSandboxProvider,
} from "../../worker/sandbox";
import { replSandboxes } from "../../worker/sandbox/repl-sandboxes";
import { WARM_POOL_LABELS } from "../../worker/sandbox/warm-config";
import { WARM_MAX_AGE_MS, type WarmSandbox } from "../../worker/sandbox/warm-pool";
import { until } from "./harness";

const provider = daytonaProvider(daytonaSettings(env));
const { snapshot, staleSnapshot } = inject("sandboxApi");
const apiUrl = env.DAYTONA_API_URL ?? "";
const bearer = { authorization: `Bearer ${env.DAYTONA_API_KEY}`, "content-type": "application/json" };
const created: string[] = [];

afterAll(async () => {
  await Promise.allSettled(created.map((id) => provider.remove(id)));
});

interface SandboxRecord {
  id: string;
  state: string;
  snapshot?: string;
  labels: Record<string, string>;
}

async function record(id: string): Promise<SandboxRecord | undefined> {
  const res = await fetch(`${apiUrl}/sandbox/${id}`, { headers: bearer });
  return res.status === 404 ? undefined : ((await res.json()) as SandboxRecord);
}

async function withLabel(key: string, value: string): Promise<SandboxRecord[]> {
  const res = await fetch(`${apiUrl}/sandbox?labels=${encodeURIComponent(JSON.stringify({ [key]: value }))}`, {
    headers: bearer,
  });
  const body = (await res.json()) as { items: SandboxRecord[] };
  return body.items.filter((s) => s.state !== "destroying" && s.state !== "destroyed");
}

/** `sandbox` with its uploads counted. */
function counted(sandbox: SandboxHandle): { handle: SandboxHandle; uploads: string[] } {
  const uploads: string[] = [];
  const handle: SandboxHandle = {
    ...sandbox,
    id: sandbox.id,
    upload: (path, body) => {
      uploads.push(path);
      return sandbox.upload(path, body);
    },
  };
  return { handle, uploads };
}

describe("the REPL snapshot (DAYTONA_SNAPSHOT)", () => {
  it("launches the server the snapshot holds without uploading it", async () => {
    const sandbox = await provider.create({ labels: { tenant: "warm-start", run: "snap" }, snapshot });
    created.push(sandbox.id);
    const { handle, uploads } = counted(sandbox);
    const repl = await ReplSession.start(handle, { preinstalled: true });
    expect(await repl.exec("x = 6 * 7\nprint(x)")).toMatchObject({ error: null, stdout: "42\n" });
    expect(uploads).toEqual([]);
  });

  it("uploads the server when the snapshot holds another version, or none", async () => {
    for (const from of [staleSnapshot, undefined]) {
      const sandbox = await provider.create({ labels: { tenant: "warm-start", run: "stale" }, snapshot: from });
      created.push(sandbox.id);
      const { handle, uploads } = counted(sandbox);
      const repl = await ReplSession.start(handle, { preinstalled: true });
      expect(await repl.exec("print('current')")).toMatchObject({ error: null, stdout: "current\n" });
      expect(uploads).toHaveLength(1);
    }
  });

  it("creates a tenant's sandboxes from the configured snapshot, leaving resources to it", async () => {
    const tenantProvider = tenantSandboxProvider({ ...env, DAYTONA_SNAPSHOT: snapshot }, crypto.randomUUID());
    // Daytona answers 400 to resources with a snapshot: the provider must not send them.
    const sandbox = await tenantProvider.create({ labels: { tenant: "warm-start" }, resources: { cpu: 2 } });
    created.push(sandbox.id);
    expect((await record(sandbox.id))?.snapshot).toBe(snapshot);
  });
});

describe("the warm pool (SANDBOX_WARM_POOL)", () => {
  /** Runs `body` against the deployment's pool object, sized `size` (the test Worker itself has the pool off). */
  const withPool = <T>(size: number, body: (pool: SandboxPoolDO, state: DurableObjectState) => Promise<T>) =>
    runInDurableObject(getSandboxPoolStub(env), (_instance, state) =>
      body(new SandboxPoolDO(state, { ...env, SANDBOX_WARM_POOL: String(size) }), state),
    );

  it("fills to its size, then hands a run a started sandbox relabelled as the run's, and falls back when one is gone", async () => {
    await withPool(2, async (pool, state) => {
      await pool.alarm();
      expect(pool.status()).toMatchObject({ target: 2, ready: 2, creating: 0 });
      // Full: the one alarm waits for the first expiry; a take brings it forward to refill at once.
      expect(await state.storage.getAlarm()).toBeGreaterThan(Date.now() + WARM_MAX_AGE_MS / 2);
      const pooled = await withLabel("pool", WARM_POOL_LABELS.pool);
      expect(pooled).toHaveLength(2);
      created.push(...pooled.map((s) => s.id));

      const runs = replSandboxes(provider, { labels: { tenant: "warm-tenant" } }, { warm: pool });
      const first = await runs.open({ run: "warm-run-1", depth: 0 });
      expect(first.start).toBe("warm");
      expect(await first.repl.exec("print(sum(range(10)))")).toMatchObject({ error: null, stdout: "45\n" });
      const mine = await withLabel("run", "warm-run-1");
      expect(mine).toHaveLength(1);
      expect(mine[0]?.labels).toMatchObject({ tenant: "warm-tenant", run: "warm-run-1", depth: "0" });
      expect(mine[0]?.labels.pool).toBeUndefined();
      expect(pool.status().ready).toBe(1);
      // Due now (or already fired, in the test Worker's own instance of the object, which has the pool off).
      expect((await state.storage.getAlarm()) ?? 0).toBeLessThanOrEqual(Date.now());

      // The other pooled sandbox disappears behind the pool's back: the run gets a cold one instead.
      const [left] = await withLabel("pool", WARM_POOL_LABELS.pool);
      await provider.remove(left?.id ?? "");
      await until(async () => !(await record(left?.id ?? "")) || (await record(left?.id ?? ""))?.state === "destroyed");
      const second = await runs.open({ run: "warm-run-2", depth: 1 });
      expect(second.start).toBe("cold");
      created.push(second.repl.sandbox.id);
      expect(await second.repl.exec("print('cold')")).toMatchObject({ error: null, stdout: "cold\n" });
      await first.dispose();
      await second.dispose();
      expect(pool.status().ready).toBe(0);
    });
  });

  it("replaces sandboxes too old to hand out, and backs off when Daytona refuses creates", async () => {
    await withPool(1, async (pool, state) => {
      await pool.alarm();
      const [entry] = (await state.storage.get<WarmSandbox[]>("ready")) ?? [];
      expect(entry).toBeDefined();
      created.push(entry?.id ?? "");
      await state.storage.put("ready", [{ ...entry, readyAt: Date.now() - WARM_MAX_AGE_MS - 1 }]);
      const aged = new SandboxPoolDO(state, { ...env, SANDBOX_WARM_POOL: "1" });
      expect(await aged.take()).toBeNull();

      const origin = new URL(apiUrl).origin;
      const refuse = (faults: object | null) =>
        fetch(`${origin}/__admin/faults`, {
          method: "POST",
          headers: bearer,
          body: JSON.stringify({ label: { key: "pool", value: WARM_POOL_LABELS.pool }, faults }),
        });
      expect((await refuse({ refuseCreate: { kind: "rate", retryAfterSec: 5 } })).status).toBe(200);
      try {
        await aged.alarm();
      } finally {
        await refuse(null);
      }
      await until(async () => (await record(entry?.id ?? ""))?.state !== "started", "the old sandbox deleted");
      expect(aged.status()).toMatchObject({ ready: 0, lastError: expect.stringContaining("sandbox_quota_exceeded") });
      expect(await state.storage.getAlarm()).toBeGreaterThan(Date.now() + 50_000);

      await aged.alarm();
      expect(aged.status()).toMatchObject({ ready: 1, lastError: undefined });
      const [fresh] = (await state.storage.get<WarmSandbox[]>("ready")) ?? [];
      created.push(fresh?.id ?? "");
      expect(fresh?.id).not.toBe(entry?.id);
    });
  });
});
