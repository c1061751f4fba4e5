/**
 * The budget through the real Durable Object: hundreds of interleaved RPC calls from a whole tree of runs never
 * overspend, totals equal the settled actuals, and the state survives eviction.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../dev/llm/faults";
import { isAppError } from "../errors";
import { type BudgetSnapshot, getBudgetStub, ROOT_SCOPE } from ".";
import { snapshotViolations } from "./invariants";
import { BUDGET_SCHEMA_VERSION } from "./sql-store";

/** A fresh budget per test: nothing leaks between cases. */
function freshBudget(label: string) {
  return getBudgetStub(env, `${label}-${crypto.randomUUID()}`);
}

interface Tally {
  calls: number;
  tokens: number;
  nano: number;
  granted: number;
  refused: Map<string, number>;
}

describe("BudgetDO under concurrent load", () => {
  it("never exceeds a limit and ends with totals equal to the settled actuals", async () => {
    const budget = freshBudget("concurrent");
    const limits = { llmCalls: 250, tokens: 150_000, costUsd: 0.3, maxSandboxes: 4 };
    expect(await budget.init(limits)).toMatchObject({ status: "initialized" });

    const snapshots: BudgetSnapshot[] = [];
    const tally: Tally = { calls: 0, tokens: 0, nano: 0, granted: 0, refused: new Map() };
    const refuse = (reason: string) => tally.refused.set(reason, (tally.refused.get(reason) ?? 0) + 1);

    /** One LLM call: reserve, then settle within the estimate or release; now and then look at the whole budget. */
    async function call(scope: string, random: () => number): Promise<void> {
      const tokens = 200 + Math.floor(random() * 1_800);
      const micro = 100 + Math.floor(random() * 1_900);
      const reservation = await budget.reserve(scope, {
        llmCalls: random() < 0.2 ? 2 : 1,
        tokens,
        costUsd: micro / 1e6,
      });
      if (reservation.status === "refused") {
        refuse(reservation.reason);
        return;
      }
      tally.granted += 1;
      if (random() < 0.25) snapshots.push(await budget.snapshot());
      if (random() < 0.2) {
        expect(await budget.release(reservation.reservationId)).toMatchObject({ status: "released" });
        return;
      }
      const actualTokens = Math.floor(random() * (tokens + 1));
      const actualNano = Math.floor(random() * (micro * 1_000 + 1));
      const settled = await budget.settle(reservation.reservationId, {
        tokens: actualTokens,
        costUsd: actualNano / 1e9,
      });
      if (settled.status !== "settled") throw new Error(`lost ${reservation.reservationId}`);
      tally.calls += settled.charged.llmCalls;
      tally.tokens += actualTokens;
      tally.nano += actualNano;
    }

    /** A child run: a lease (sliced or shared), a sandbox if one is free, dozens of concurrent calls, maybe a child. */
    async function child(index: number): Promise<void> {
      const random = mulberry32(index + 1);
      const scope = `child-${index}`;
      const sliced = index % 2 === 0 ? { llmCalls: 12, tokens: 6_000, costUsd: 0.012 } : {};
      const lease = await budget.lease(ROOT_SCOPE, { childScope: scope, depth: 1, ...sliced });
      if (lease.status === "refused") {
        refuse(`lease:${lease.reason}`);
        return;
      }
      const sandbox = await budget.acquireSandbox(scope);
      if (sandbox.status === "refused") refuse(sandbox.reason);
      const calls = waves(3, 10, () => call(scope, random));
      await Promise.all(index % 5 === 0 ? [calls, grandchild(scope, random)] : [calls]);
      if (sandbox.status === "granted") await budget.releaseSandbox(scope);
      snapshots.push(await budget.snapshot());
      expect(await budget.closeLease(scope)).toMatchObject({ status: "closed", alreadyClosed: false });
    }

    async function grandchild(parent: string, random: () => number): Promise<void> {
      const scope = `${parent}-sub`;
      const lease = await budget.lease(parent, { childScope: scope, llmCalls: 4, tokens: 2_000 });
      if (lease.status === "refused") {
        refuse(`lease:${lease.reason}`);
        return;
      }
      expect(await budget.lease(scope, { childScope: `${scope}-too-deep` })).toMatchObject({ reason: "depth" });
      await waves(2, 5, () => call(scope, random));
      await budget.closeLease(scope);
    }

    const rootRandom = mulberry32(1_000);
    await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => child(i)),
      waves(4, 10, () => call(ROOT_SCOPE, rootRandom)),
    ]);

    const final = await budget.snapshot();
    snapshots.push(final);
    expect(snapshots.length).toBeGreaterThan(50);
    for (const snapshot of snapshots) {
      expect(snapshotViolations(snapshot)).toEqual([]);
      expect(snapshot.totals.used.llmCalls + snapshot.totals.reserved.llmCalls).toBeLessThanOrEqual(limits.llmCalls);
      expect(snapshot.totals.used.tokens + snapshot.totals.reserved.tokens).toBeLessThanOrEqual(limits.tokens);
      expect(snapshot.totals.sandboxes).toBeLessThanOrEqual(limits.maxSandboxes);
    }
    // Demand (about 800 calls) outran supply: calls ran out, tokens ran out, and so did sandboxes.
    expect(tally.refused.get("llm_calls")).toBeGreaterThan(0);
    expect(tally.refused.get("tokens")).toBeGreaterThan(0);
    expect(tally.refused.get("sandboxes")).toBeGreaterThan(0);
    expect(tally.granted).toBeGreaterThan(150);
    expect(final.totals.reserved).toEqual({ llmCalls: 0, tokens: 0, costUsd: 0 });
    expect(final.totals.sandboxes).toBe(0);
    expect(final.scopes.filter((s) => s.scope !== ROOT_SCOPE).every((s) => s.closed)).toBe(true);
    expect(final.scopes.find((s) => s.scope === ROOT_SCOPE)?.held).toEqual({ llmCalls: 0, tokens: 0, costUsd: 0 });
    expect(final.totals.used.llmCalls).toBe(tally.calls);
    expect(final.totals.used.tokens).toBe(tally.tokens);
    expect(Math.round(final.totals.used.costUsd * 1e9)).toBe(tally.nano);
  });
});

describe("BudgetDO state", () => {
  it("survives eviction: limits, leases, open reservations, sandboxes and the reservation sequence", async () => {
    const budget = freshBudget("evict");
    await budget.init({ llmCalls: 20, tokens: 10_000, costUsd: 1, maxSandboxes: 2 });
    await budget.lease(ROOT_SCOPE, { childScope: "a", llmCalls: 5, tokens: 2_000 });
    await budget.lease("a", { childScope: "a1", tokens: 500 });
    const first = await budget.reserve("a1", { tokens: 400, costUsd: 0.01 });
    const open = await budget.reserve(ROOT_SCOPE, { tokens: 1_000, costUsd: 0.02 });
    if (first.status !== "granted" || open.status !== "granted") throw new Error("expected grants");
    await budget.settle(first.reservationId, { tokens: 321, costUsd: 0.004 });
    await budget.closeLease("a1");
    await budget.acquireSandbox("a");
    const before = await budget.snapshot();

    await evictDurableObject(budget);

    const after = await budget.snapshot();
    expect({ ...after, now: 0 }).toEqual({ ...before, now: 0 });
    expect(await budget.init({ llmCalls: 1 })).toMatchObject({ status: "existing", limits: { llmCalls: 20 } });
    expect(await budget.settle(open.reservationId, { tokens: 900, costUsd: 0.015 })).toMatchObject({
      status: "settled",
    });
    const next = await budget.reserve("a", {});
    expect(next.status === "granted" && next.reservationId).not.toBe(first.reservationId);
    expect(next.status === "granted" && next.reservationId).not.toBe(open.reservationId);
    expect(await budget.reserve("a1", {})).toMatchObject({ reason: "closed" });
    expect((await budget.snapshot()).totals).toMatchObject({
      used: { llmCalls: 2, tokens: 1_221, costUsd: 0.019 },
      reserved: { llmCalls: 1 },
      sandboxes: 1,
    });
    const version = await runInDurableObject(budget, (_instance, state) =>
      state.storage.sql.exec<{ version: number }>("SELECT version FROM budget_schema").one(),
    );
    expect(version.version).toBe(BUDGET_SCHEMA_VERSION);
  });

  it("cancels the whole tree, and rejects bad calls with a typed error", async () => {
    const budget = freshBudget("cancel");
    expect(await errorCode(budget.reserve(ROOT_SCOPE, {}))).toBe("not_found");
    await budget.init({ llmCalls: 10 });
    await budget.lease(ROOT_SCOPE, { childScope: "c" });
    expect(await errorCode(budget.reserve("nobody", {}))).toBe("not_found");
    expect(await errorCode(budget.reserve(ROOT_SCOPE, { llmCalls: -1 }))).toBe("validation_failed");
    const open = await budget.reserve("c", {});
    expect(await budget.cancel("deadline of the parent task")).toMatchObject({ alreadyCancelled: false });
    for (const scope of [ROOT_SCOPE, "c"]) {
      expect(await budget.reserve(scope, {})).toMatchObject({ status: "refused", reason: "cancelled" });
    }
    if (open.status !== "granted") throw new Error("expected a grant");
    expect(await budget.settle(open.reservationId, { tokens: 10 })).toMatchObject({ status: "settled" });
    expect((await budget.snapshot()).cancelled).toBe("deadline of the parent task");
  });
});

/** `count` waves of `size` concurrent calls: later waves run on what the earlier ones refunded. */
async function waves(count: number, size: number, call: () => Promise<void>): Promise<void> {
  for (let wave = 0; wave < count; wave++) await Promise.all(Array.from({ length: size }, call));
}

/** The `AppError` code an RPC call rejects with; the brand and code survive the trip out of the Durable Object. */
async function errorCode(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    if (isAppError(error)) return error.code;
    throw error;
  }
  throw new Error("expected the call to fail");
}
