/**
 * The budget ledger of one root run, shared by its whole recursive tree. Pure logic over a {@link LedgerStore}; no
 * Cloudflare imports, so it runs in plain Node as well as inside the Durable Object that owns it.
 *
 * Scopes form a tree: the root run's scope and, per child run, a scope leased from its parent's. Each scope has a
 * committed amount per dimension (used + reserved + the slices it has leased out; see `scope-tree.ts`), and no
 * operation that adds to a scope's committed amount is granted if that would take it past the scope's limit (the
 * root's limits, or a child's slice). A lease is therefore a guarantee: the slice is held in the parent from the
 * moment it is granted, so siblings cannot spend it, and a child spending inside its slice touches no ancestor. A
 * reservation is checked against its scope and every ancestor it reaches, all or nothing, in one synchronous step.
 *
 * Semantics:
 * - **Overshoot.** `settle` charges the actual tokens and cost even when they exceed the estimate: they were spent,
 *   and the totals must equal the sum of actuals. A scope can then sit above its token or cost limit; every later
 *   reservation that would add to it (and every reservation made in it) is refused until nothing more is needed.
 *   Estimate with the prompt size plus `max_tokens` and overshoot cannot happen. LLM calls never overshoot: the call
 *   count is fixed at reservation time.
 * - **Refunds.** `release` returns a reservation whose call never happened, in full. `settle` returns the unused part
 *   of the estimate; the reserved calls stay spent.
 * - **Leases.** A child's slice is carved from its parent's remaining, all or nothing; a dimension left out of the
 *   lease is shared with the parent (bounded by the parent's and every ancestor's limits). `closeLease` closes the
 *   child and its whole subtree, returns the unspent slices to the parent, and refuses further reservations there;
 *   reservations still open in it can be settled or released, and their refunds go to the parent too.
 * - **Deadline and cancel** refuse new reservations, leases and sandboxes; settling and releasing always work.
 * - **Costs** are accounted in whole nano-dollars, so sums and refunds are exact.
 */
import { z } from "zod";
import { AppError } from "../errors";
import {
  cancelledRefusal,
  closedRefusal,
  deadlineRefusal,
  depthRefusal,
  NANO_PER_USD,
  sandboxRefusal,
} from "./refusals";
import {
  addUnits,
  allowance,
  amounts,
  apply,
  DIMS,
  headroom,
  hold,
  postOrder,
  ripple,
  type Scope,
  shortfall,
  toNano,
  zero,
} from "./scope-tree";
import type { LedgerStore, MetaRecord, ReservationRecord, ScopeRecord, StoredLedger, Units } from "./store";
import {
  type Allowance,
  BudgetLimits,
  type BudgetSnapshot,
  type CancelResult,
  type CloseResult,
  DEFAULT_MAX_DEPTH,
  type EffectiveLimits,
  type InitResult,
  LeaseRequest,
  type LeaseResult,
  type RecoverResult,
  type Refused,
  type ReleaseResult,
  type RemainingResult,
  ReserveRequest,
  type ReserveResult,
  ROOT_SCOPE,
  type SandboxReleaseResult,
  type SandboxResult,
  type ScopeSnapshot,
  SettleRequest,
  type SettleResult,
} from "./types";

/** Reservations made under a call id are named by it, so a repeat finds them; generated ids never start so. */
const CALL_PREFIX = "call:";

function callReservationId(callId: string): string {
  return `${CALL_PREFIX}${callId}`;
}

/** A cancel reason is shown to models and people; a paragraph is plenty. */
const MAX_CANCEL_REASON = 500;

/** How {@link BudgetLedger.open} is set up. */
export interface LedgerOptions {
  /** Epoch milliseconds; inject a fake clock in tests. */
  now?: () => number;
}

/**
 * The ledger. Every method runs to completion synchronously, so inside a single-threaded Durable Object each one is
 * atomic. Expected outcomes are returned as data; malformed input, unknown scopes and calls before `init` throw an
 * {@link AppError}.
 * @example
 * const ledger = BudgetLedger.open(memoryLedgerStore());
 * ledger.init({ llmCalls: 50 });
 * const r = ledger.reserve(ROOT_SCOPE, { llmCalls: 1, tokens: 4_000 });
 * if (r.status === "granted") ledger.settle(r.reservationId, { tokens: 1_234, costUsd: 0.0004 });
 */
export class BudgetLedger {
  readonly #store: LedgerStore;
  readonly #now: () => number;
  #meta: MetaRecord | null = null;
  readonly #scopes = new Map<string, Scope>();
  readonly #reservations = new Map<string, ReservationRecord>();
  readonly #finishedCalls = new Set<string>();
  #sandboxes = 0;

  private constructor(store: LedgerStore, now: () => number) {
    this.#store = store;
    this.#now = now;
  }

  /** Opens the ledger kept in `store` (empty until {@link init}). */
  static open(store: LedgerStore, options: LedgerOptions = {}): BudgetLedger {
    const ledger = new BudgetLedger(store, options.now ?? Date.now);
    const stored = store.load();
    if (stored) ledger.#restore(stored);
    return ledger;
  }

  /** Whether {@link init} has run. */
  get initialized(): boolean {
    return this.#meta !== null;
  }

  /** Sets the limits once; later calls change nothing and return the limits in force. */
  init(limits: BudgetLimits): InitResult {
    const parsed = parse(BudgetLimits, limits, "budget limits");
    if (this.#meta) return { status: "existing", limits: this.#limits() };
    const meta: MetaRecord = { limits: parsed, createdAt: this.#now(), cancelled: null, nextReservation: 1 };
    const root: ScopeRecord = {
      id: ROOT_SCOPE,
      parent: null,
      depth: 0,
      closed: false,
      limit: {
        calls: parsed.llmCalls ?? null,
        tokens: parsed.tokens ?? null,
        nanoUsd: parsed.costUsd === undefined ? null : toNano(parsed.costUsd, Math.floor),
      },
      used: zero(),
      sandboxes: 0,
    };
    this.#store.putMeta(meta);
    this.#store.putScope(root);
    this.#meta = meta;
    this.#adopt(root, null);
    return { status: "initialized", limits: this.#limits() };
  }

  /** Holds estimates for one call (or a batch) against `scope` and every ancestor, all or nothing. */
  reserve(scope: string, request: ReserveRequest): ReserveResult {
    const meta = this.#requireMeta();
    const req = parse(ReserveRequest, request, "reservation");
    const target = this.#scope(scope);
    const keyed = req.callId === undefined ? null : callReservationId(req.callId);
    if (keyed && this.#reservations.has(keyed)) {
      return { status: "granted", reservationId: keyed, scope, remaining: this.#remaining(target), repeat: "open" };
    }
    if (keyed && this.#finishedCalls.has(keyed)) {
      return { status: "granted", reservationId: keyed, scope, remaining: this.#remaining(target), repeat: "settled" };
    }
    const gate = this.#gate(target);
    if (gate) return gate;
    const amount: Units = { calls: req.llmCalls, tokens: req.tokens, nanoUsd: toNano(req.costUsd, Math.ceil) };
    const ripples = DIMS.map((dim) => ripple(target, dim, amount[dim]));
    for (const [i, dim] of DIMS.entries()) {
      const refusal = shortfall(target, dim, amount[dim], ripples[i] ?? [], "call");
      if (refusal) return refusal;
    }
    for (const [i, dim] of DIMS.entries()) apply(ripples[i] ?? [], dim);
    addUnits(target.reserved, amount, 1);
    target.reservations += 1;
    const reservation: ReservationRecord = { id: keyed ?? `r${meta.nextReservation}`, scope: target.record.id, amount };
    meta.nextReservation += 1;
    this.#reservations.set(reservation.id, reservation);
    this.#store.putMeta(meta);
    this.#store.putReservation(reservation);
    return {
      status: "granted",
      reservationId: reservation.id,
      scope: target.record.id,
      remaining: this.#remaining(target),
    };
  }

  /** Replaces a reservation's estimates with actuals (see "Overshoot" above); unknown or finished ids change nothing. */
  settle(reservationId: string, actual: SettleRequest): SettleResult {
    this.#requireMeta();
    const act = parse(SettleRequest, actual, "settlement");
    const reservation = this.#reservations.get(reservationId);
    if (!reservation) return { status: "unknown_reservation", reservationId };
    const charged: Units = {
      calls: reservation.amount.calls,
      tokens: act.tokens,
      nanoUsd: toNano(act.costUsd, Math.round),
    };
    const target = this.#finish(reservation, charged);
    // A settled call is spent: a repeat of it (re-issued after a restart) is granted without charging again.
    if (reservation.id.startsWith(CALL_PREFIX)) {
      this.#finishedCalls.add(reservation.id);
      this.#store.putFinishedCall(reservation.id);
    }
    return {
      status: "settled",
      reservationId,
      scope: target.record.id,
      charged: amounts(charged),
      overshoot: {
        tokens: Math.max(0, charged.tokens - reservation.amount.tokens),
        costUsd: Math.max(0, charged.nanoUsd - reservation.amount.nanoUsd) / NANO_PER_USD,
      },
      remaining: this.#remaining(target),
    };
  }

  /** Refunds a reservation whose call never happened; unknown or finished ids change nothing. */
  release(reservationId: string): ReleaseResult {
    this.#requireMeta();
    const reservation = this.#reservations.get(reservationId);
    if (!reservation) return { status: "unknown_reservation", reservationId };
    const target = this.#finish(reservation, zero());
    return {
      status: "released",
      reservationId,
      scope: target.record.id,
      refunded: amounts(reservation.amount),
      remaining: this.#remaining(target),
    };
  }

  /**
   * Creates a child scope one level below `parent`, carving its slice from the parent's remaining, all or nothing.
   * Repeating a granted lease with the same parent and slice returns it again, so a retried call is harmless.
   */
  lease(parent: string, request: LeaseRequest): LeaseResult {
    const meta = this.#requireMeta();
    const req = parse(LeaseRequest, request, "lease");
    const owner = this.#scope(parent);
    const depth = owner.record.depth + 1;
    if (req.depth !== undefined && req.depth !== depth) {
      throw new AppError("validation_failed", `A child of "${parent}" has depth ${depth}, not ${req.depth}`);
    }
    const slice = {
      calls: req.llmCalls ?? null,
      tokens: req.tokens ?? null,
      nanoUsd: req.costUsd === undefined ? null : toNano(req.costUsd, Math.floor),
    };
    const existing = this.#scopes.get(req.childScope);
    if (existing) {
      const same = existing.parent === owner && DIMS.every((dim) => existing.record.limit[dim] === slice[dim]);
      if (!same) throw new AppError("conflict", `Budget scope "${req.childScope}" already exists with another lease`);
      return existing.record.closed ? closedRefusal(existing.record.id) : this.#leaseGranted(existing);
    }
    const gate = this.#gate(owner);
    if (gate) return gate;
    const maxDepth = meta.limits.maxDepth ?? DEFAULT_MAX_DEPTH;
    if (depth > maxDepth) return depthRefusal(owner.record.id, depth, maxDepth);
    const ripples = DIMS.map((dim) => ripple(owner, dim, slice[dim] ?? 0));
    for (const [i, dim] of DIMS.entries()) {
      const refusal = shortfall(owner, dim, slice[dim] ?? 0, ripples[i] ?? [], "lease");
      if (refusal) return refusal;
    }
    for (const [i, dim] of DIMS.entries()) apply(ripples[i] ?? [], dim);
    const record: ScopeRecord = {
      id: req.childScope,
      parent: owner.record.id,
      depth,
      closed: false,
      limit: slice,
      used: zero(),
      sandboxes: 0,
    };
    this.#store.putScope(record);
    return this.#leaseGranted(this.#adopt(record, owner));
  }

  /** Closes a child scope and its subtree, returning unspent slices to the parent. Idempotent. */
  closeLease(scope: string): CloseResult {
    this.#requireMeta();
    const child = this.#scope(scope);
    const parent = child.parent;
    if (!parent) throw new AppError("validation_failed", "The root scope cannot be closed; cancel the run instead");
    if (child.record.closed) return { status: "closed", scope, returned: amounts(zero()), alreadyClosed: true };
    const before = { ...parent.committed };
    for (const s of postOrder(child)) {
      if (s.record.closed || !s.parent) continue;
      const holds = DIMS.map((dim) => hold(s, dim, s.committed[dim]));
      s.record.closed = true;
      for (const [i, dim] of DIMS.entries()) apply(ripple(s.parent, dim, s.committed[dim] - (holds[i] ?? 0)), dim);
      this.#store.putScope(s.record);
    }
    const returned = zero();
    for (const dim of DIMS) returned[dim] = before[dim] - parent.committed[dim];
    return { status: "closed", scope, returned: amounts(returned), alreadyClosed: false };
  }

  /** Counts one more sandbox held by `scope`, refused past the tree-wide `maxSandboxes`. */
  acquireSandbox(scope: string): SandboxResult {
    const meta = this.#requireMeta();
    const target = this.#scope(scope);
    const gate = this.#gate(target);
    if (gate) return gate;
    const limit = meta.limits.maxSandboxes;
    if (limit !== undefined && this.#sandboxes >= limit) {
      return sandboxRefusal(target.record.id, this.#sandboxes, limit);
    }
    target.record.sandboxes += 1;
    this.#sandboxes += 1;
    this.#store.putScope(target.record);
    return { status: "granted", scope: target.record.id, active: this.#sandboxes, limit: limit ?? null };
  }

  /** Counts one sandbox of `scope` as gone. Always allowed, even after cancel or close. */
  releaseSandbox(scope: string): SandboxReleaseResult {
    this.#requireMeta();
    const target = this.#scope(scope);
    if (target.record.sandboxes === 0) return { status: "not_held", scope, active: this.#sandboxes };
    target.record.sandboxes -= 1;
    this.#sandboxes -= 1;
    this.#store.putScope(target.record);
    return { status: "released", scope, active: this.#sandboxes };
  }

  /**
   * After the host that held this tree's reservations and sandboxes restarted: releases every open reservation (no
   * one can settle them now; a re-issued call reserves again under its call id) and forgets the sandboxes counted,
   * so the resumed run counts the ones it holds again. Limits, usage and finished call ids stay.
   */
  recover(): RecoverResult {
    this.#requireMeta();
    const open = [...this.#reservations.values()];
    for (const reservation of open) this.#finish(reservation, zero());
    const sandboxes = this.#sandboxes;
    for (const s of this.#scopes.values()) {
      if (s.record.sandboxes === 0) continue;
      s.record.sandboxes = 0;
      this.#store.putScope(s.record);
    }
    this.#sandboxes = 0;
    return { status: "recovered", released: open.length, sandboxes };
  }

  /** Cancels the whole tree: every later reservation, lease and sandbox is refused. The first reason wins. */
  cancel(reason: string): CancelResult {
    const meta = this.#requireMeta();
    if (meta.cancelled !== null) return { status: "cancelled", reason: meta.cancelled, alreadyCancelled: true };
    meta.cancelled = parse(z.string().min(1), reason, "cancel reason").slice(0, MAX_CANCEL_REASON);
    this.#store.putMeta(meta);
    return { status: "cancelled", reason: meta.cancelled, alreadyCancelled: false };
  }

  /** What `scope` can still spend, without the cost of a whole {@link snapshot} (a wide tree has many scopes). */
  remaining(scope: string): RemainingResult {
    const target = this.#scope(scope);
    const { deadline } = this.#requireMeta().limits;
    return {
      scope,
      depth: target.record.depth,
      remaining: this.#remaining(target),
      msLeft: deadline === undefined ? null : Math.max(0, deadline - this.#now()),
    };
  }

  /** Every scope's figures and the run's totals. */
  snapshot(): BudgetSnapshot {
    const meta = this.#requireMeta();
    const subtree = new Map<Scope, { used: Units; reserved: Units }>();
    for (const s of postOrder(this.#root())) {
      const sums = { used: { ...s.record.used }, reserved: { ...s.reserved } };
      for (const c of s.children) {
        const child = subtree.get(c);
        if (child) {
          addUnits(sums.used, child.used, 1);
          addUnits(sums.reserved, child.reserved, 1);
        }
      }
      subtree.set(s, sums);
    }
    const scopes: ScopeSnapshot[] = [...this.#scopes.values()].map((s) => {
      const { used, reserved } = subtree.get(s) ?? { used: zero(), reserved: zero() };
      const held = zero();
      for (const dim of DIMS) held[dim] = s.committed[dim] - used[dim] - reserved[dim];
      return {
        scope: s.record.id,
        parent: s.parent?.record.id ?? null,
        depth: s.record.depth,
        closed: s.record.closed,
        limit: allowance(s.limit),
        used: amounts(used),
        reserved: amounts(reserved),
        held: amounts(held),
        remaining: this.#remaining(s),
        sandboxes: s.record.sandboxes,
        reservations: s.reservations,
      };
    });
    scopes.sort((a, b) => a.depth - b.depth || (a.scope < b.scope ? -1 : a.scope > b.scope ? 1 : 0));
    const root = scopes[0];
    return {
      limits: this.#limits(),
      createdAt: meta.createdAt,
      now: this.#now(),
      cancelled: meta.cancelled,
      totals: {
        used: root?.used ?? amounts(zero()),
        reserved: root?.reserved ?? amounts(zero()),
        remaining: root?.remaining ?? allowance(zero()),
        sandboxes: this.#sandboxes,
      },
      scopes,
    };
  }

  #restore(stored: StoredLedger): void {
    this.#meta = stored.meta;
    // Parents before children, so each child can find its parent.
    for (const record of [...stored.scopes].sort((a, b) => a.depth - b.depth)) {
      const parent = record.parent === null ? null : this.#scope(record.parent);
      this.#adopt(record, parent);
    }
    for (const reservation of stored.reservations) {
      const target = this.#scope(reservation.scope);
      addUnits(target.reserved, reservation.amount, 1);
      target.reservations += 1;
      this.#reservations.set(reservation.id, reservation);
    }
    for (const id of stored.finishedCalls) this.#finishedCalls.add(id);
    // Deepest first: each scope's committed amount is complete before it is added to its parent's.
    for (const s of postOrder(this.#root())) {
      addUnits(s.committed, s.record.used, 1);
      addUnits(s.committed, s.reserved, 1);
      for (const dim of DIMS) if (s.parent) s.parent.committed[dim] += hold(s, dim, s.committed[dim]);
      this.#sandboxes += s.record.sandboxes;
    }
  }

  /** Adds a scope to the in-memory tree. Its committed amount starts at zero; callers account for it. */
  #adopt(record: ScopeRecord, parent: Scope | null): Scope {
    const scope: Scope = {
      record,
      parent,
      children: [],
      limit: {
        calls: record.limit.calls ?? Number.POSITIVE_INFINITY,
        tokens: record.limit.tokens ?? Number.POSITIVE_INFINITY,
        nanoUsd: record.limit.nanoUsd ?? Number.POSITIVE_INFINITY,
      },
      reserved: zero(),
      reservations: 0,
      committed: zero(),
    };
    parent?.children.push(scope);
    this.#scopes.set(record.id, scope);
    return scope;
  }

  /** Ends a reservation, charging `charged` (zero for a release) in place of its estimate. */
  #finish(reservation: ReservationRecord, charged: Units): Scope {
    const target = this.#scope(reservation.scope);
    for (const dim of DIMS) apply(ripple(target, dim, charged[dim] - reservation.amount[dim]), dim);
    addUnits(target.reserved, reservation.amount, -1);
    addUnits(target.record.used, charged, 1);
    target.reservations -= 1;
    this.#reservations.delete(reservation.id);
    this.#store.deleteReservation(reservation.id);

    this.#store.putScope(target.record);
    return target;
  }

  /** Refusals that do not depend on amounts: cancelled, closed, past the deadline. */
  #gate(scope: Scope): Refused | null {
    const meta = this.#requireMeta();
    if (meta.cancelled !== null) return cancelledRefusal(scope.record.id, meta.cancelled);
    if (scope.record.closed) return closedRefusal(scope.record.id);
    const deadline = meta.limits.deadline;
    const now = this.#now();
    if (deadline !== undefined && now >= deadline) {
      return deadlineRefusal(scope.record.id, now - meta.createdAt, deadline - meta.createdAt);
    }
    return null;
  }

  /** What a reservation in `scope` could get right now. */
  #remaining(scope: Scope): Allowance {
    if (this.#gate(scope)) return allowance(zero());
    const units = zero();
    for (const dim of DIMS) units[dim] = Math.max(0, headroom(scope, dim));
    return allowance(units);
  }

  #leaseGranted(scope: Scope): LeaseResult {
    return {
      status: "granted",
      scope: scope.record.id,
      parent: scope.parent?.record.id ?? ROOT_SCOPE,
      depth: scope.record.depth,
      slice: allowance(scope.limit),
      remaining: this.#remaining(scope),
    };
  }

  #limits(): EffectiveLimits {
    const { limits } = this.#requireMeta();
    const root = this.#root();
    return {
      ...allowance(root.limit),
      deadline: limits.deadline ?? null,
      maxDepth: limits.maxDepth ?? DEFAULT_MAX_DEPTH,
      maxSandboxes: limits.maxSandboxes ?? null,
    };
  }

  #requireMeta(): MetaRecord {
    if (!this.#meta) throw new AppError("not_found", "This run's budget has not been initialised");
    return this.#meta;
  }

  #root(): Scope {
    return this.#scope(ROOT_SCOPE);
  }

  #scope(id: string): Scope {
    const scope = this.#scopes.get(id);
    if (!scope) throw new AppError("not_found", `Unknown budget scope "${id}"`);
    return scope;
  }
}

/** Validates input at the boundary; a malformed request is a caller bug, thrown as `validation_failed`. */
function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    field: issue.path.map(String).join("."),
    message: issue.message,
  }));
  throw new AppError("validation_failed", `Invalid ${what}: ${z.prettifyError(result.error)}`, { details: { issues } });
}
