import { DurableObject } from "cloudflare:workers";
import {
  BudgetLedger,
  type BudgetLimits,
  type BudgetSnapshot,
  type CancelResult,
  type CloseResult,
  type InitResult,
  type LeaseRequest,
  type LeaseResult,
  type RecoverResult,
  type ReleaseResult,
  type RemainingResult,
  type ReserveRequest,
  type ReserveResult,
  type SandboxReleaseResult,
  type SandboxResult,
  type SettleRequest,
  type SettleResult,
  type Sql,
  sqlLedgerStore,
} from "../budget";

/**
 * The budget of one root run, shared by its whole recursive tree (reach it with `getBudgetStub`). A thin shell: the
 * {@link BudgetLedger} does the accounting over this object's SQLite storage. Each RPC method runs the ledger
 * synchronously — no `await` between reading and writing — so the single-threaded object makes every reservation
 * atomic under any interleaving of callers.
 */
export class BudgetDO extends DurableObject<Env> {
  /** Loaded once at start-up; `undefined` after a failure, so the next call retries and its caller sees the error. */
  #ledger: BudgetLedger | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      try {
        this.#ledger = this.#open();
      } catch {
        // Left unset on purpose: `#use` opens it again on the next call and throws to that caller.
        this.#ledger = undefined;
      }
    });
  }

  /** Sets the run's limits; the first call wins and later ones return the limits in force. */
  init(limits: BudgetLimits): InitResult {
    return this.#use((ledger) => ledger.init(limits));
  }

  /** Holds one call's estimates against `scope` and every ancestor, all or nothing. */
  reserve(scope: string, request: ReserveRequest): ReserveResult {
    return this.#use((ledger) => ledger.reserve(scope, request));
  }

  /** Replaces a reservation's estimates with actuals; an overshoot is charged in full. */
  settle(reservationId: string, actual: SettleRequest): SettleResult {
    return this.#use((ledger) => ledger.settle(reservationId, actual));
  }

  /** Refunds a reservation whose call never happened. */
  release(reservationId: string): ReleaseResult {
    return this.#use((ledger) => ledger.release(reservationId));
  }

  /** After the run's host restarted: releases its open reservations and forgets its sandboxes (see the ledger). */
  recover(): RecoverResult {
    return this.#use((ledger) => ledger.recover());
  }

  /** Carves a child scope's slice from `parentScope`'s remaining; refused past `maxDepth` or without room. */
  lease(parentScope: string, request: LeaseRequest): LeaseResult {
    return this.#use((ledger) => ledger.lease(parentScope, request));
  }

  /** Closes a child scope and its subtree, returning unspent slices to the parent. */
  closeLease(childScope: string): CloseResult {
    return this.#use((ledger) => ledger.closeLease(childScope));
  }

  /** Counts one more sandbox held in `scope`, refused past the tree-wide `maxSandboxes`. */
  acquireSandbox(scope: string): SandboxResult {
    return this.#use((ledger) => ledger.acquireSandbox(scope));
  }

  /** Counts one sandbox of `scope` as gone. */
  releaseSandbox(scope: string): SandboxReleaseResult {
    return this.#use((ledger) => ledger.releaseSandbox(scope));
  }

  /** Cancels the whole tree: every later reservation, lease and sandbox is refused with reason "cancelled". */
  cancel(reason: string): CancelResult {
    return this.#use((ledger) => ledger.cancel(reason));
  }

  /** What `scope` can still spend and the time left: the figures sandbox code reads with `budget()`. */
  remaining(scope: string): RemainingResult {
    return this.#use((ledger) => ledger.remaining(scope));
  }

  /** Every scope's used, reserved, held, limit and remaining, plus the run's totals. */
  snapshot(): BudgetSnapshot {
    return this.#use((ledger) => ledger.snapshot());
  }

  /**
   * Runs one ledger operation in a storage transaction. If it throws, storage rolls back and the in-memory ledger is
   * dropped with it, to be reloaded from storage by the next call, so memory never runs ahead of what was stored.
   */
  #use<T>(operation: (ledger: BudgetLedger) => T): T {
    this.#ledger ??= this.#open();
    const ledger = this.#ledger;
    try {
      return this.ctx.storage.transactionSync(() => operation(ledger));
    } catch (error) {
      this.#ledger = undefined;
      throw error;
    }
  }

  #open(): BudgetLedger {
    const { sql } = this.ctx.storage;
    const tag: Sql = (strings, ...values) => sql.exec(strings.join("?"), ...values).toArray();
    return this.ctx.storage.transactionSync(() => BudgetLedger.open(sqlLedgerStore(tag)));
  }
}
