/**
 * Deployment-wide sandbox admission (`SANDBOX_CAPACITY`): tenants competing for the organisation's sandboxes both
 * progress, a queued run knows its place and starts when a slot frees, a cancelled one leaves the queue, and slots of
 * holders that died come back.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SandboxAdmissionDO, WAITER_STALE_MS } from "../../worker/durable/sandbox-admission-do";
import { getSandboxAdmissionStub } from "../../worker/durable/sandbox-admission-stub";
import { daytonaProvider, daytonaSettings } from "../../worker/sandbox";
import { replSandboxes } from "../../worker/sandbox/repl-sandboxes";
import { sandboxSlots } from "../../worker/sandbox/slots";

/** Runs `body` against the deployment's admission object with `capacity` sandboxes (the test Worker has it off). */
const withAdmission = <T>(
  capacity: number,
  body: (admission: SandboxAdmissionDO, state: DurableObjectState) => Promise<T>,
) =>
  runInDurableObject(getSandboxAdmissionStub(env), async (_instance, state) => {
    await state.storage.deleteAll();
    return body(new SandboxAdmissionDO(state, { ...env, SANDBOX_CAPACITY: String(capacity) }), state);
  });

const lease = 60_000;

describe("sandbox admission", () => {
  it("lets two tenants competing for 4 sandboxes both progress: a freed slot goes to the one holding fewer", async () => {
    await withAdmission(4, async (admission) => {
      const ask = (holder: string, tenant: string) => admission.acquire({ holder, tenant, leaseMs: lease });
      for (let i = 0; i < 4; i++) expect(await ask(`a${i}`, "A")).toEqual({ granted: true });
      // A's fan-out asks for 12 more; B arrives after, and is still next.
      for (let i = 4; i < 16; i++) expect((await ask(`a${i}`, "A")).granted).toBe(false);
      expect(await ask("b0", "B")).toEqual({ granted: false, position: 1 });
      expect(await ask("b1", "B")).toEqual({ granted: false, position: 2 });
      await admission.release("a0");
      expect(await ask("b0", "B")).toEqual({ granted: true });
      await admission.release("a1");
      // A holds 3, B 1: B's next goes first.
      expect(await ask("b1", "B")).toEqual({ granted: true });
      await admission.release("a2");
      expect(await ask("a4", "A")).toEqual({ granted: true });
      expect(admission.status()).toEqual({ inUse: 4, queued: 11 });
    });
  });

  it("queues a run's sandbox with its position, starts it when a slot frees, and lets a cancelled one leave", async () => {
    await withAdmission(1, async (admission) => {
      const provider = daytonaProvider(daytonaSettings(env));
      const forTenant = (tenant: string) =>
        replSandboxes(provider, { labels: { tenant } }, { slots: sandboxSlots(admission, tenant) });
      const first = await forTenant("adm-a").open({ run: "adm-run-1", depth: 0 });
      const positions: number[] = [];
      const second = forTenant("adm-b").open(
        { run: "adm-run-2", depth: 0 },
        { pollMs: 50, onQueued: (p) => positions.push(p) },
      );
      const abort = new AbortController();
      const third = forTenant("adm-c").open(
        { run: "adm-run-3", depth: 0 },
        { pollMs: 50, signal: abort.signal, onQueued: () => {} },
      );
      await new Promise((r) => setTimeout(r, 300));
      expect(positions[0]).toBe(1);
      expect(admission.status()).toEqual({ inUse: 1, queued: 2 });
      abort.abort();
      await expect(third).rejects.toMatchObject({ code: "timeout" });
      expect(admission.status()).toEqual({ inUse: 1, queued: 1 });

      await first.dispose();
      const opened = await second;
      expect(await opened.repl.exec("print('my turn')")).toMatchObject({ error: null, stdout: "my turn\n" });
      expect(admission.status()).toEqual({ inUse: 1, queued: 0 });
      await opened.dispose();
      expect(admission.status()).toEqual({ inUse: 0, queued: 0 });
    });
  });

  it("takes back the slot of a holder whose lease ran out, and drops waiters that stopped asking", async () => {
    await withAdmission(1, async (admission) => {
      expect(await admission.acquire({ holder: "dead", tenant: "A", leaseMs: 1 })).toEqual({ granted: true });
      expect((await admission.acquire({ holder: "gone", tenant: "B", leaseMs: lease })).granted).toBe(false);
      expect((await admission.acquire({ holder: "alive", tenant: "C", leaseMs: lease })).granted).toBe(false);
      await new Promise((r) => setTimeout(r, 5));
      await admission.alarm();
      // "dead" expired; its slot went to the next waiter, which has not confirmed it yet.
      expect(admission.status()).toEqual({ inUse: 1, queued: 1 });
      const realNow = Date.now;
      Date.now = () => realNow() + WAITER_STALE_MS + 1_000;
      try {
        await admission.alarm();
      } finally {
        Date.now = realNow;
      }
      // Neither "gone" (granted, never confirmed) nor "alive" (stopped asking) kept its place.
      expect(admission.status()).toEqual({ inUse: 0, queued: 0 });
    });
  });
});
