/** Adapts one scope of a run tree's budget object to the engine's {@link BudgetPort}. */
import type { BudgetStub } from "../budget";
import type { BudgetPort } from "../rlm";

/**
 * The port of `scope` in the budget behind `stub`. Leases create child scopes named by the child run's id, so the
 * trace and the ledger use the same names.
 */
export function budgetPort(stub: BudgetStub, scope: string): BudgetPort {
  return {
    async reserve(amount) {
      const result = await stub.reserve(scope, amount);
      return result.status === "granted"
        ? { status: "granted", id: result.reservationId }
        : { status: "refused", reason: result.reason, message: result.message };
    },
    async settle(id, actual) {
      await stub.settle(id, actual);
    },
    async release(id) {
      await stub.release(id);
    },
    async lease(childRunId, depth) {
      const result = await stub.lease(scope, { childScope: childRunId, depth });
      return result.status === "granted"
        ? { status: "granted", budget: budgetPort(stub, childRunId) }
        : { status: "refused", message: result.message };
    },
    async close() {
      await stub.closeLease(scope);
    },
    async acquireSandbox() {
      const result = await stub.acquireSandbox(scope);
      return result.status === "granted"
        ? { status: "granted", id: scope }
        : { status: "refused", reason: result.reason, message: result.message };
    },
    async releaseSandbox() {
      await stub.releaseSandbox(scope);
    },
    async remaining() {
      const { remaining, msLeft } = await stub.remaining(scope);
      return { ...remaining, msLeft };
    },
  };
}
