/**
 * The ledger on its own, over the in-memory store with an injected clock: arithmetic, leases, refusals, restore.
 */
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../dev/llm/faults";
import { isAppError } from "../errors";
import { snapshotViolations } from "./invariants";
import { BudgetLedger } from "./ledger";
import { type LedgerStore, memoryLedgerStore } from "./store";
import { type BudgetLimits, type ReserveResult, ROOT_SCOPE } from "./types";

function ledgerWith(limits: BudgetLimits, options: { store?: LedgerStore; clock?: { now: number } } = {}) {
  const clock = options.clock ?? { now: 1_000 };
  const store = options.store ?? memoryLedgerStore();
  const ledger = BudgetLedger.open(store, { now: () => clock.now });
  ledger.init(limits);
  return { ledger, store, clock };
}

function granted(result: ReserveResult): string {
  if (result.status !== "granted") throw new Error(`expected a grant, got ${JSON.stringify(result)}`);
  return result.reservationId;
}

function scopeOf(ledger: BudgetLedger, name: string) {
  const scope = ledger.snapshot().scopes.find((s) => s.scope === name);
  if (!scope) throw new Error(`no scope ${name}`);
  return scope;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("init", () => {
  it("lets the first call win and applies the defaults", () => {
    const { ledger } = ledgerWith({ llmCalls: 5 });
    expect(ledger.init({ llmCalls: 500 })).toEqual({
      status: "existing",
      limits: {
        llmCalls: 5,
        tokens: null,
        costUsd: null,
        deadline: null,
        maxDepth: 2,
        maxSandboxes: null,
      },
    });
  });

  it("refuses to work before init and rejects bad limits", () => {
    const ledger = BudgetLedger.open(memoryLedgerStore());
    const before = thrown(() => ledger.reserve(ROOT_SCOPE, {}));
    expect(isAppError(before) && before.code).toBe("not_found");
    const bad = thrown(() => ledger.init({ llmCalls: -1 }));
    expect(isAppError(bad) && bad.code).toBe("validation_failed");
    expect(ledger.initialized).toBe(false);
  });
});

describe("reserve", () => {
  it("is all or nothing across dimensions", () => {
    const { ledger } = ledgerWith({ llmCalls: 3, tokens: 1_000 });
    granted(ledger.reserve(ROOT_SCOPE, { tokens: 600 }));
    const refused = ledger.reserve(ROOT_SCOPE, { tokens: 500 });
    expect(refused).toMatchObject({ status: "refused", reason: "tokens", scope: ROOT_SCOPE, used: 600, limit: 1_000 });
    expect(scopeOf(ledger, ROOT_SCOPE).reserved).toEqual({ llmCalls: 1, tokens: 600, costUsd: 0 });
    // A batch of three needs three calls up front; two are left, so none is taken.
    expect(ledger.reserve(ROOT_SCOPE, { llmCalls: 3 })).toMatchObject({ reason: "llm_calls", used: 1, limit: 3 });
    expect(scopeOf(ledger, ROOT_SCOPE).reserved.llmCalls).toBe(1);
  });

  it("tells the model what ran out and what to do", () => {
    const { ledger } = ledgerWith({ llmCalls: 50 });
    for (let i = 0; i < 50; i++) granted(ledger.reserve(ROOT_SCOPE, {}));
    const refused = ledger.reserve(ROOT_SCOPE, {});
    expect(refused).toMatchObject({ status: "refused", reason: "llm_calls", used: 50, limit: 50 });
    expect(refused.status === "refused" && refused.message).toBe(
      "LLM-call budget exhausted: 50 of 50 calls used or reserved; use code for aggregation or answer with what you have.",
    );
    const cost = ledgerWith({ costUsd: 0.01 }).ledger;
    granted(cost.reserve(ROOT_SCOPE, { costUsd: 0.008 }));
    const short = cost.reserve(ROOT_SCOPE, { costUsd: 0.003 });
    expect(short).toMatchObject({ reason: "cost", used: 0.008, limit: 0.01 });
    expect(short.status === "refused" && short.message).toBe(
      "Cost budget too small for this call: $0.0080 of $0.0100 used or reserved, $0.0030 requested; answer with what you have.",
    );
  });

  it("rejects malformed requests without changing anything", () => {
    const { ledger } = ledgerWith({ llmCalls: 3 });
    for (const bad of [{ llmCalls: 1.5 }, { tokens: -1 }, { costUsd: Number.NaN }]) {
      const error = thrown(() => ledger.reserve(ROOT_SCOPE, bad));
      expect(isAppError(error) && error.code).toBe("validation_failed");
    }
    const unknown = thrown(() => ledger.reserve("nobody", {}));
    expect(isAppError(unknown) && unknown.code).toBe("not_found");
    expect(ledger.snapshot().totals.reserved.llmCalls).toBe(0);
  });
});

describe("settle and release", () => {
  it("replaces estimates with actuals, keeps the call spent, and refunds released calls in full", () => {
    const { ledger } = ledgerWith({ llmCalls: 10, tokens: 10_000, costUsd: 1 });
    const a = granted(ledger.reserve(ROOT_SCOPE, { tokens: 4_000, costUsd: 0.04 }));
    const b = granted(ledger.reserve(ROOT_SCOPE, { llmCalls: 2, tokens: 3_000, costUsd: 0.03 }));
    expect(ledger.snapshot().totals.remaining).toEqual({ llmCalls: 7, tokens: 3_000, costUsd: 0.93 });

    expect(ledger.settle(a, { tokens: 1_234, costUsd: 0.0123 })).toMatchObject({
      status: "settled",
      charged: { llmCalls: 1, tokens: 1_234, costUsd: 0.0123 },
      overshoot: { tokens: 0, costUsd: 0 },
      remaining: { llmCalls: 7, tokens: 5_766, costUsd: 0.9577 },
    });
    expect(ledger.release(b)).toMatchObject({
      status: "released",
      refunded: { llmCalls: 2, tokens: 3_000, costUsd: 0.03 },
      remaining: { llmCalls: 9, tokens: 8_766, costUsd: 0.9877 },
    });
    // Finished reservations are gone: a retried settle or release charges nothing twice.
    expect(ledger.settle(a, { tokens: 99 })).toEqual({ status: "unknown_reservation", reservationId: a });
    expect(ledger.release(b)).toEqual({ status: "unknown_reservation", reservationId: b });
    expect(ledger.snapshot().totals).toMatchObject({
      used: { llmCalls: 1, tokens: 1_234, costUsd: 0.0123 },
      reserved: { llmCalls: 0, tokens: 0, costUsd: 0 },
    });
  });

  it("charges an overshoot in full, then refuses until the scope is back under its limit", () => {
    const { ledger } = ledgerWith({ llmCalls: 5, tokens: 1_000 });
    const id = granted(ledger.reserve(ROOT_SCOPE, { tokens: 500 }));
    expect(ledger.settle(id, { tokens: 1_200 })).toMatchObject({
      overshoot: { tokens: 700, costUsd: 0 },
      remaining: { tokens: 0 },
    });
    expect(ledger.snapshot().totals.used.tokens).toBe(1_200);
    expect(ledger.reserve(ROOT_SCOPE, { tokens: 0 })).toMatchObject({ reason: "tokens", used: 1_200, limit: 1_000 });
    expect(ledger.reserve(ROOT_SCOPE, { tokens: 0 })).toMatchObject({ status: "refused" });
    // Calls are counted at reservation and cannot overshoot.
    expect(ledger.snapshot().totals.used.llmCalls).toBe(1);
  });

  it("accounts costs exactly in nano-dollars", () => {
    const { ledger } = ledgerWith({ costUsd: 0.3 });
    for (let i = 0; i < 3; i++) {
      ledger.settle(granted(ledger.reserve(ROOT_SCOPE, { costUsd: 0.1 })), { costUsd: 0.1 });
    }
    // 0.1 + 0.1 + 0.1 is 0.30000000000000004 in floating point; the ledger says 0.3 and the budget is exactly spent.
    expect(ledger.snapshot().totals.used.costUsd).toBe(0.3);
    expect(ledger.reserve(ROOT_SCOPE, { costUsd: 0.000000001 })).toMatchObject({ reason: "cost" });
  });
});

describe("leases", () => {
  it("guarantees a child its slice and bounds it by the slice", () => {
    const { ledger } = ledgerWith({ llmCalls: 10 });
    expect(ledger.lease(ROOT_SCOPE, { childScope: "child", depth: 1, llmCalls: 4 })).toMatchObject({
      status: "granted",
      scope: "child",
      depth: 1,
      slice: { llmCalls: 4, tokens: null, costUsd: null },
      remaining: { llmCalls: 4 },
    });
    expect(ledger.snapshot().totals.remaining.llmCalls).toBe(6);
    for (let i = 0; i < 6; i++) granted(ledger.reserve(ROOT_SCOPE, {}));
    expect(ledger.reserve(ROOT_SCOPE, {})).toMatchObject({ reason: "llm_calls", scope: ROOT_SCOPE, used: 10 });
    // The root is full, but the child's slice was set aside for it.
    for (let i = 0; i < 4; i++) granted(ledger.reserve("child", {}));
    const refused = ledger.reserve("child", {});
    expect(refused).toMatchObject({ reason: "llm_calls", scope: "child", used: 4, limit: 4 });
    expect(refused.status === "refused" && refused.message).toBe(
      "LLM-call budget of this sub-run exhausted: 4 of 4 calls used or reserved; use code for aggregation or return your best answer to the parent.",
    );
    expect(snapshotViolations(ledger.snapshot())).toEqual([]);
  });

  it("counts a reservation against every ancestor", () => {
    const { ledger } = ledgerWith({ llmCalls: 10, tokens: 10_000 });
    ledger.lease(ROOT_SCOPE, { childScope: "shared" }); // no slice: shares the root's remaining
    ledger.lease("shared", { childScope: "grandchild", tokens: 3_000 });
    expect(scopeOf(ledger, ROOT_SCOPE).held.tokens).toBe(3_000);
    granted(ledger.reserve("grandchild", { tokens: 2_000 }));
    expect(scopeOf(ledger, ROOT_SCOPE)).toMatchObject({
      reserved: { llmCalls: 1, tokens: 2_000 },
      held: { tokens: 1_000 },
      remaining: { llmCalls: 9, tokens: 7_000 },
    });
    for (let i = 0; i < 9; i++) granted(ledger.reserve("shared", {}));
    // The grandchild has tokens left in its slice, but the calls come from the root's limit.
    expect(ledger.reserve("grandchild", { tokens: 100 })).toMatchObject({ reason: "llm_calls", scope: ROOT_SCOPE });
    expect(ledger.reserve("shared", {})).toMatchObject({ reason: "llm_calls", scope: ROOT_SCOPE });
  });

  it("carves slices all or nothing from the parent's remaining", () => {
    const { ledger } = ledgerWith({ llmCalls: 10, tokens: 1_000 });
    granted(ledger.reserve(ROOT_SCOPE, { tokens: 500 }));
    expect(ledger.lease(ROOT_SCOPE, { childScope: "a", llmCalls: 5, tokens: 600 })).toMatchObject({
      status: "refused",
      reason: "tokens",
      scope: ROOT_SCOPE,
    });
    expect(ledger.snapshot().scopes.map((s) => s.scope)).toEqual([ROOT_SCOPE]);
    expect(ledger.snapshot().totals.remaining.llmCalls).toBe(9);
    ledger.lease(ROOT_SCOPE, { childScope: "b", llmCalls: 5, tokens: 400 });
    expect(ledger.lease("b", { childScope: "b1", tokens: 401 })).toMatchObject({ reason: "tokens", scope: "b" });
    expect(ledger.lease("b", { childScope: "b1", tokens: 400 })).toMatchObject({ status: "granted" });
    expect(scopeOf(ledger, "b").remaining.tokens).toBe(0);
  });

  it("refuses leases deeper than maxDepth and checks the stated depth", () => {
    const { ledger } = ledgerWith({});
    ledger.lease(ROOT_SCOPE, { childScope: "d1" });
    ledger.lease("d1", { childScope: "d2", depth: 2 });
    const refused = ledger.lease("d2", { childScope: "d3" });
    expect(refused).toMatchObject({ status: "refused", reason: "depth", used: 3, limit: 2 });
    expect(refused.status === "refused" && refused.message).toContain("Maximum recursion depth (2) reached");
    const wrong = thrown(() => ledger.lease("d1", { childScope: "x", depth: 1 }));
    expect(isAppError(wrong) && wrong.code).toBe("validation_failed");
    expect(ledgerWith({ maxDepth: 0 }).ledger.lease(ROOT_SCOPE, { childScope: "c" })).toMatchObject({
      reason: "depth",
    });
  });

  it("returns the same grant for a retried lease and rejects a clashing one", () => {
    const { ledger } = ledgerWith({ llmCalls: 10 });
    const first = ledger.lease(ROOT_SCOPE, { childScope: "c", llmCalls: 3 });
    expect(ledger.lease(ROOT_SCOPE, { childScope: "c", llmCalls: 3 })).toEqual(first);
    expect(ledger.snapshot().totals.remaining.llmCalls).toBe(7);
    const clash = thrown(() => ledger.lease(ROOT_SCOPE, { childScope: "c", llmCalls: 4 }));
    expect(isAppError(clash) && clash.code).toBe("conflict");
  });
});

describe("closeLease", () => {
  it("returns the unspent slice, refuses further reservations, and refunds late settlements to the parent", () => {
    const { ledger } = ledgerWith({ llmCalls: 10, tokens: 10_000 });
    ledger.lease(ROOT_SCOPE, { childScope: "c", llmCalls: 5, tokens: 1_000 });
    ledger.lease("c", { childScope: "gc", llmCalls: 2 });
    ledger.settle(granted(ledger.reserve("c", { tokens: 400 })), { tokens: 300 });
    const open = granted(ledger.reserve("gc", { tokens: 200 }));
    expect(ledger.snapshot().totals.remaining).toMatchObject({ llmCalls: 5, tokens: 9_000 });

    expect(ledger.closeLease("c")).toEqual({
      status: "closed",
      scope: "c",
      returned: { llmCalls: 3, tokens: 500, costUsd: 0 },
      alreadyClosed: false,
    });
    expect(scopeOf(ledger, "gc").closed).toBe(true);
    expect(ledger.snapshot().totals.remaining).toMatchObject({ llmCalls: 8, tokens: 9_500 });
    for (const scope of ["c", "gc"]) {
      expect(ledger.reserve(scope, {})).toMatchObject({ status: "refused", reason: "closed", scope });
      expect(ledger.lease(scope, { childScope: `${scope}-late` })).toMatchObject({ reason: "closed" });
    }
    // The call in flight finishes: its actuals are charged and the rest of its estimate goes back to the root.
    ledger.settle(open, { tokens: 50 });
    expect(ledger.snapshot().totals).toMatchObject({
      used: { llmCalls: 2, tokens: 350 },
      reserved: { llmCalls: 0, tokens: 0 },
      remaining: { llmCalls: 8, tokens: 9_650 },
    });
    expect(ledger.closeLease("c")).toMatchObject({ alreadyClosed: true, returned: { llmCalls: 0 } });
    const root = thrown(() => ledger.closeLease(ROOT_SCOPE));
    expect(isAppError(root) && root.code).toBe("validation_failed");
  });
});

describe("deadline", () => {
  it("refuses new work from the deadline on, and still settles", () => {
    const clock = { now: 1_000 };
    const { ledger } = ledgerWith({ deadline: 61_000 }, { clock });
    clock.now = 60_999;
    const id = granted(ledger.reserve(ROOT_SCOPE, { tokens: 10 }));
    clock.now = 61_000;
    const refused = ledger.reserve(ROOT_SCOPE, {});
    expect(refused).toMatchObject({ status: "refused", reason: "deadline", used: 60_000, limit: 60_000 });
    expect(refused.status === "refused" && refused.message).toBe(
      "The run's time budget is exhausted: 60 s of 60 s used; answer now with what you have.",
    );
    expect(ledger.lease(ROOT_SCOPE, { childScope: "late" })).toMatchObject({ reason: "deadline" });
    expect(ledger.acquireSandbox(ROOT_SCOPE)).toMatchObject({ reason: "deadline" });
    expect(ledger.settle(id, { tokens: 7 })).toMatchObject({ status: "settled", remaining: { llmCalls: 0 } });
    expect(ledger.snapshot().totals.used.tokens).toBe(7);
  });
});

describe("remaining", () => {
  it("gives a scope what it could reserve now, bounded by its ancestors, and the time left", () => {
    const clock = { now: 1_000 };
    const { ledger } = ledgerWith({ llmCalls: 10, costUsd: 1, deadline: 31_000 }, { clock });
    granted(ledger.reserve(ROOT_SCOPE, { llmCalls: 2, tokens: 500, costUsd: 0.25 }));
    ledger.lease(ROOT_SCOPE, { childScope: "child", llmCalls: 3 });
    clock.now = 11_000;
    expect(ledger.remaining(ROOT_SCOPE)).toEqual({
      scope: ROOT_SCOPE,
      depth: 0,
      remaining: { llmCalls: 5, tokens: null, costUsd: 0.75 },
      msLeft: 20_000,
    });
    // The child's own slice caps its calls; its dollars are the root's.
    expect(ledger.remaining("child")).toMatchObject({ depth: 1, remaining: { llmCalls: 3, costUsd: 0.75 } });
    expect(ledger.remaining(ROOT_SCOPE)).toEqual(
      expect.objectContaining({ remaining: ledger.snapshot().totals.remaining }),
    );
    clock.now = 40_000;
    expect(ledger.remaining("child")).toMatchObject({ remaining: { llmCalls: 0, costUsd: 0 }, msLeft: 0 });
    expect(ledgerWith({}).ledger.remaining(ROOT_SCOPE).msLeft).toBeNull();
    expect(isAppError(thrown(() => ledger.remaining("nobody")))).toBe(true);
  });
});

describe("cancel", () => {
  it("refuses everything new in the whole tree and keeps the first reason", () => {
    const { ledger } = ledgerWith({ llmCalls: 10 });
    ledger.lease(ROOT_SCOPE, { childScope: "c" });
    const open = granted(ledger.reserve("c", {}));
    expect(ledger.cancel("user pressed stop")).toEqual({
      status: "cancelled",
      reason: "user pressed stop",
      alreadyCancelled: false,
    });
    for (const scope of [ROOT_SCOPE, "c"]) {
      const refused = ledger.reserve(scope, {});
      expect(refused).toMatchObject({ status: "refused", reason: "cancelled", scope });
      expect(refused.status === "refused" && refused.message).toBe(
        "The run was cancelled (user pressed stop); stop now.",
      );
    }
    expect(ledger.lease(ROOT_SCOPE, { childScope: "d" })).toMatchObject({ reason: "cancelled" });
    expect(ledger.acquireSandbox("c")).toMatchObject({ reason: "cancelled" });
    expect(ledger.settle(open, { tokens: 5 })).toMatchObject({ status: "settled" });
    expect(ledger.cancel("again")).toMatchObject({ reason: "user pressed stop", alreadyCancelled: true });
    expect(ledger.snapshot()).toMatchObject({ cancelled: "user pressed stop", totals: { used: { llmCalls: 1 } } });
  });
});

describe("sandboxes", () => {
  it("caps concurrent sandboxes across the tree", () => {
    const { ledger } = ledgerWith({ maxSandboxes: 2 });
    ledger.lease(ROOT_SCOPE, { childScope: "c" });
    expect(ledger.acquireSandbox(ROOT_SCOPE)).toMatchObject({ status: "granted", active: 1, limit: 2 });
    expect(ledger.acquireSandbox("c")).toMatchObject({ status: "granted", active: 2 });
    expect(ledger.acquireSandbox("c")).toMatchObject({ status: "refused", reason: "sandboxes", used: 2, limit: 2 });
    expect(ledger.releaseSandbox(ROOT_SCOPE)).toEqual({ status: "released", scope: ROOT_SCOPE, active: 1 });
    expect(ledger.releaseSandbox(ROOT_SCOPE)).toEqual({ status: "not_held", scope: ROOT_SCOPE, active: 1 });
    expect(ledger.acquireSandbox("c")).toMatchObject({ status: "granted", active: 2 });
    expect(scopeOf(ledger, "c").sandboxes).toBe(2);
  });
});

describe("restore", () => {
  it("rebuilds the same ledger from its store and carries on", () => {
    const { ledger, store, clock } = ledgerWith({ llmCalls: 20, tokens: 5_000, costUsd: 0.5, maxSandboxes: 3 });
    ledger.lease(ROOT_SCOPE, { childScope: "a", llmCalls: 6, tokens: 2_000 });
    ledger.lease("a", { childScope: "a1", tokens: 500 });
    ledger.lease(ROOT_SCOPE, { childScope: "b" });
    ledger.settle(granted(ledger.reserve("a1", { tokens: 300, costUsd: 0.01 })), { tokens: 250, costUsd: 0.009 });
    const open = granted(ledger.reserve("b", { tokens: 700, costUsd: 0.02 }));
    ledger.closeLease("a1");
    ledger.acquireSandbox("b");

    const reopened = BudgetLedger.open(store, { now: () => clock.now });
    expect(reopened.snapshot()).toEqual(ledger.snapshot());
    reopened.settle(open, { tokens: 600, costUsd: 0.015 });
    const next = granted(reopened.reserve(ROOT_SCOPE, {}));
    expect(next).not.toBe(open);
    expect(reopened.snapshot().totals.used).toEqual({ llmCalls: 2, tokens: 850, costUsd: 0.024 });
  });
});

describe("invariants under random operations", () => {
  it("never commits past a limit, and ends with totals equal to the settled actuals", () => {
    const random = mulberry32(7);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const { ledger, store } = ledgerWith({ llmCalls: 400, tokens: 150_000, costUsd: 1.5, maxSandboxes: 3 });
    let scopes = [ROOT_SCOPE];
    const parents = new Map<string, string>();
    const open: Held[] = [];
    const outcomes: string[] = [];
    let settled: Sum = { calls: 0, tokens: 0, nano: 0 };
    for (let step = 0; step < 3_000; step++) {
      const roll = random();
      if (roll < 0.08) {
        const name = `s${step}`;
        const lease = ledger.lease(pick(scopes) ?? ROOT_SCOPE, {
          childScope: name,
          ...(random() < 0.6 ? { llmCalls: Math.floor(random() * 15) } : {}),
          ...(random() < 0.6 ? { tokens: Math.floor(random() * 8_000) } : {}),
          ...(random() < 0.5 ? { costUsd: Math.floor(random() * 80_000) / 1e6 } : {}),
        });
        outcomes.push(lease.status === "granted" ? "lease" : lease.reason);
        if (lease.status === "granted") {
          scopes.push(name);
          parents.set(name, lease.parent);
        }
      } else if (roll < 0.12 && scopes.length > 1) {
        const closing = pick(scopes.slice(1));
        ledger.closeLease(closing);
        // Mostly forget closed scopes (and their subtrees); the rest keep testing "closed" refusals.
        if (random() < 0.9) scopes = scopes.filter((s) => !isWithin(s, closing, parents));
      } else if (roll < 0.16) {
        const scope = pick(scopes);
        if (random() < 0.5) ledger.acquireSandbox(scope);
        else ledger.releaseSandbox(scope);
      } else if (roll < 0.6) {
        const tokens = Math.floor(random() * 2_000);
        const micro = Math.floor(random() * 20_000);
        const result = ledger.reserve(pick(scopes), {
          llmCalls: 1 + Math.floor(random() * 3),
          tokens,
          costUsd: micro / 1e6,
        });
        outcomes.push(result.status === "granted" ? "granted" : result.reason);
        if (result.status === "granted") open.push({ id: result.reservationId, tokens, nano: micro * 1_000 });
      } else if (open.length > 0) {
        const held = open.splice(Math.floor(random() * open.length), 1)[0] as Held;
        if (random() < 0.3) ledger.release(held.id);
        else settled = settleWithin(ledger, held, random, settled);
      }
      expect(snapshotViolations(ledger.snapshot())).toEqual([]);
      if (step % 10 === 0) expectExactRemaining(ledger, pick(scopes) ?? ROOT_SCOPE);
    }
    for (const held of open) settled = settleWithin(ledger, held, random, settled);
    // Demand outran supply on every dimension, and depth and closed leases were hit too.
    const count = (what: string) => outcomes.filter((o) => o === what).length;
    for (const what of ["lease", "llm_calls", "tokens", "cost", "depth", "closed"])
      expect(count(what)).toBeGreaterThan(0);
    expect(count("granted")).toBeGreaterThan(200);
    const totals = BudgetLedger.open(store).snapshot().totals;
    expect(totals.reserved).toEqual({ llmCalls: 0, tokens: 0, costUsd: 0 });
    expect(totals.used.llmCalls).toBe(settled.calls);
    expect(totals.used.tokens).toBe(settled.tokens);
    expect(Math.round(totals.used.costUsd * 1e9)).toBe(settled.nano);
  });
});

/** `remaining.tokens` is exact: one token more is refused, exactly that much is granted (and given back). */
function expectExactRemaining(ledger: BudgetLedger, scope: string): void {
  const { remaining, closed } = scopeOf(ledger, scope);
  if (closed || remaining.tokens === null || remaining.llmCalls === 0) return;
  expect(ledger.reserve(scope, { llmCalls: 0, tokens: remaining.tokens + 1 })).toMatchObject({ reason: "tokens" });
  const exact = ledger.reserve(scope, { llmCalls: 0, tokens: remaining.tokens });
  expect(exact.status).toBe("granted");
  if (exact.status === "granted") ledger.release(exact.reservationId);
}

function isWithin(scope: string, ancestor: string, parents: Map<string, string>): boolean {
  for (let s: string | undefined = scope; s !== undefined; s = parents.get(s)) if (s === ancestor) return true;
  return false;
}

interface Held {
  id: string;
  tokens: number;
  nano: number;
}

/** Settles with random actuals within the estimate and adds them to `sum`. */
function settleWithin(ledger: BudgetLedger, held: Held, random: () => number, sum: Sum): Sum {
  const tokens = Math.floor(random() * (held.tokens + 1));
  const nano = Math.floor(random() * (held.nano + 1));
  const result = ledger.settle(held.id, { tokens, costUsd: nano / 1e9 });
  if (result.status !== "settled") throw new Error(`lost ${held.id}`);
  return { calls: sum.calls + result.charged.llmCalls, tokens: sum.tokens + tokens, nano: sum.nano + nano };
}

interface Sum {
  calls: number;
  tokens: number;
  nano: number;
}

describe("call ids (a run resumed after its host restarted)", () => {
  it("reuses an open reservation and never charges a settled call twice, across a restart of the ledger", () => {
    const { ledger, store } = ledgerWith({ llmCalls: 3, tokens: 1_000 });
    const first = granted(ledger.reserve(ROOT_SCOPE, { tokens: 400, callId: "run:0:root" }));
    const again = ledger.reserve(ROOT_SCOPE, { tokens: 400, callId: "run:0:root" });
    expect(again).toMatchObject({ status: "granted", reservationId: first, repeat: "open" });
    expect(scopeOf(ledger, ROOT_SCOPE).reserved).toEqual({ llmCalls: 1, tokens: 400, costUsd: 0 });
    ledger.settle(first, { tokens: 300, costUsd: 0.5 });

    const reopened = BudgetLedger.open(store);
    const repeat = reopened.reserve(ROOT_SCOPE, { tokens: 400, callId: "run:0:root" });
    expect(repeat).toMatchObject({ status: "granted", repeat: "settled" });
    expect(reopened.settle(granted(repeat), { tokens: 300, costUsd: 0.5 }).status).toBe("unknown_reservation");
    expect(reopened.snapshot().totals.used).toEqual({ llmCalls: 1, tokens: 300, costUsd: 0.5 });
    expect(snapshotViolations(reopened.snapshot())).toEqual([]);
  });

  it("grants a settled call's repeat even when the budget is spent, and refuses a new call", () => {
    const { ledger } = ledgerWith({ llmCalls: 1 });
    ledger.settle(granted(ledger.reserve(ROOT_SCOPE, { callId: "a" })), { tokens: 1 });
    expect(ledger.reserve(ROOT_SCOPE, { callId: "a" })).toMatchObject({ status: "granted", repeat: "settled" });
    expect(ledger.reserve(ROOT_SCOPE, { callId: "b" }).status).toBe("refused");
  });

  it("lets a released call be reserved again: it never happened", () => {
    const { ledger } = ledgerWith({ llmCalls: 2 });
    ledger.release(granted(ledger.reserve(ROOT_SCOPE, { callId: "a" })));
    const again = ledger.reserve(ROOT_SCOPE, { callId: "a" });
    expect(again.status === "granted" && again.repeat).toBe(undefined);
    expect(scopeOf(ledger, ROOT_SCOPE).reserved.llmCalls).toBe(1);
  });

  it("recover releases what the lost host held and forgets its sandboxes; usage and limits stay", () => {
    const { ledger } = ledgerWith({ llmCalls: 4, maxSandboxes: 1 });
    ledger.settle(granted(ledger.reserve(ROOT_SCOPE, { callId: "done" })), { tokens: 10 });
    granted(ledger.reserve(ROOT_SCOPE, { callId: "in-flight" }));
    granted(ledger.reserve(ROOT_SCOPE, {}));
    expect(ledger.acquireSandbox(ROOT_SCOPE).status).toBe("granted");
    expect(ledger.acquireSandbox(ROOT_SCOPE).status).toBe("refused");

    expect(ledger.recover()).toEqual({ status: "recovered", released: 2, sandboxes: 1 });
    const totals = ledger.snapshot().totals;
    expect(totals.used).toEqual({ llmCalls: 1, tokens: 10, costUsd: 0 });
    expect(totals.reserved).toEqual({ llmCalls: 0, tokens: 0, costUsd: 0 });
    expect(totals.sandboxes).toBe(0);
    expect(ledger.acquireSandbox(ROOT_SCOPE).status).toBe("granted");
    expect(ledger.reserve(ROOT_SCOPE, { callId: "in-flight" })).toMatchObject({ status: "granted" });
    expect(ledger.reserve(ROOT_SCOPE, { callId: "done" })).toMatchObject({ repeat: "settled" });
    expect(snapshotViolations(ledger.snapshot())).toEqual([]);
  });
});
