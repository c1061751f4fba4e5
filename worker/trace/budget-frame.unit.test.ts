import { expect, it } from "vitest";
import { BudgetLedger, memoryLedgerStore, ROOT_SCOPE } from "../budget";
import { budgetFrame } from "./budget-frame";

it("reports spent and reserved apart: in-flight reservations and unspent leases are reserved, settled calls spent", () => {
  const clock = { now: 1_000 };
  const ledger = BudgetLedger.open(memoryLedgerStore(), { now: () => clock.now });
  ledger.init({ llmCalls: 100, tokens: 10_000 });
  const done = ledger.reserve(ROOT_SCOPE, { tokens: 300 });
  if (done.status !== "granted") throw new Error("expected a grant");
  ledger.settle(done.reservationId, { tokens: 120 });
  ledger.reserve(ROOT_SCOPE, { tokens: 500 });
  ledger.lease(ROOT_SCOPE, { childScope: "child", llmCalls: 10, tokens: 1_000 });
  clock.now = 1_750;
  const frame = budgetFrame("run-1", ledger.snapshot());
  expect(frame).toMatchObject({
    kind: "budget",
    runId: "run-1",
    data: {
      used: { llmCalls: 1, tokens: 120 },
      reserved: { llmCalls: 11, tokens: 1_500 },
      limits: { llmCalls: 100, tokens: 10_000 },
      elapsedMs: 750,
    },
  });
});
