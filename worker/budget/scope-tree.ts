/**
 * The arithmetic of the scope tree. Every scope `S` keeps, per dimension (LLM calls, tokens, nano-dollars), a
 * committed amount:
 *
 *     committed(S) = used(S) + reserved(S) + Σ hold(C) over S's children C
 *     hold(C)      = max(slice(C), committed(C))  while C is open and has a slice in that dimension
 *                  = committed(C)                  otherwise (no slice: C shares S's remaining; or C is closed)
 *
 * so a child's slice is set aside in its parent from the moment it is leased, and spending inside the slice changes
 * no ancestor. A change to one scope's committed amount "ripples" up only as far as some slice absorbs it.
 */
import { NANO_PER_USD, type QuantityReason, quantityRefusal } from "./refusals";
import type { ScopeRecord, Units } from "./store";
import type { Allowance, Amounts, Refused } from "./types";

/** The three quantities every scope accounts: LLM calls, tokens, and cost in nano-dollars. */
export const DIMS = ["calls", "tokens", "nanoUsd"] as const;
/** One of {@link DIMS}. */
export type Dim = (typeof DIMS)[number];
const REASONS: Record<Dim, QuantityReason> = { calls: "llm_calls", tokens: "tokens", nanoUsd: "cost" };

/** One scope in memory: its stored facts plus what is derived from them. */
export interface Scope {
  readonly record: ScopeRecord;
  readonly parent: Scope | null;
  readonly children: Scope[];
  /** The root's limits or the child's slice; `Infinity` where there is none. */
  readonly limit: Units;
  /** Open reservations made in this scope itself. */
  readonly reserved: Units;
  reservations: number;
  /** See the module comment; the limit applies to it. */
  readonly committed: Units;
}

/** How one change to a scope's committed amount ripples up: each scope it reaches and by how much. */
export type Ripple = Array<[Scope, number]>;

/** What `scope` holds in its parent for `dim` when its committed amount is `committed`. */
export function hold(scope: Scope, dim: Dim, committed: number): number {
  const slice = scope.limit[dim];
  return scope.parent && !scope.record.closed && Number.isFinite(slice) ? Math.max(slice, committed) : committed;
}

/** The scopes a change of `delta` to `scope`'s committed amount reaches, stopping where a slice absorbs it. */
export function ripple(scope: Scope, dim: Dim, delta: number): Ripple {
  const steps: Ripple = [];
  let current: Scope | null = scope;
  let change = delta;
  while (current) {
    steps.push([current, change]);
    const committed = current.committed[dim];
    change = hold(current, dim, committed + change) - hold(current, dim, committed);
    if (change === 0) break;
    current = current.parent;
  }
  return steps;
}

/** Carries out a ripple computed by {@link ripple} (after any check passed). */
export function apply(steps: Ripple, dim: Dim): void {
  for (const [scope, change] of steps) scope.committed[dim] += change;
}

/** How much more `scope` could commit in `dim`: its own room, capped by what its ancestors can still absorb. */
export function headroom(scope: Scope, dim: Dim): number {
  const own = scope.limit[dim] - scope.committed[dim];
  if (!scope.parent) return own;
  const unspent = hold(scope, dim, scope.committed[dim]) - scope.committed[dim];
  return Math.min(own, unspent + Math.max(0, headroom(scope.parent, dim)));
}

/** The subtree of `scope`, children before parents. */
export function postOrder(scope: Scope): Scope[] {
  const out: Scope[] = [];
  const visit = (s: Scope) => {
    for (const child of s.children) visit(child);
    out.push(s);
  };
  visit(scope);
  return out;
}

/** Fresh all-zero units. */
export function zero(): Units {
  return { calls: 0, tokens: 0, nanoUsd: 0 };
}

/** Adds (`sign` 1) or subtracts (`sign` -1) `add` into `into`, in place. */
export function addUnits(into: Units, add: Units, sign: 1 | -1): void {
  for (const dim of DIMS) into[dim] += sign * add[dim];
}

/** Units to caller-facing amounts (dollars for cost). */
export function amounts(units: Units): Amounts {
  return { llmCalls: units.calls, tokens: units.tokens, costUsd: units.nanoUsd / NANO_PER_USD };
}

/** Units to caller-facing amounts, `null` for unlimited. */
export function allowance(units: Units): Allowance {
  const finite = (n: number, scale = 1) => (Number.isFinite(n) ? n / scale : null);
  return {
    llmCalls: finite(units.calls),
    tokens: finite(units.tokens),
    costUsd: finite(units.nanoUsd, NANO_PER_USD),
  };
}

/**
 * Dollars to whole nano-dollars. A product within a millionth of an integer is that integer (`0.3 * 1e9` is
 * 300000000.00000006 in binary floating point); otherwise `round` decides: up for estimates, down for limits.
 */
export function toNano(usd: number, round: (x: number) => number): number {
  const exact = usd * NANO_PER_USD;
  const nearest = Math.round(exact);
  return Math.abs(exact - nearest) < 1e-6 ? nearest : round(exact);
}

/**
 * The first scope a ripple would push past its limit, as a refusal. The asking scope is always checked (so a scope
 * that overshot refuses even a zero estimate); ancestors only where their committed amount grows.
 */
export function shortfall(
  asker: Scope,
  dim: Dim,
  requested: number,
  steps: Ripple,
  purpose: "call" | "lease",
): Refused | null {
  for (const [i, [scope, change]] of steps.entries()) {
    if ((i === 0 || change > 0) && scope.committed[dim] + change > scope.limit[dim]) {
      return quantityRefusal({
        reason: REASONS[dim],
        scope: scope.record.id,
        whose: !scope.parent ? "root" : scope === asker ? "self" : "ancestor",
        askerIsRoot: !asker.parent,
        used: scope.committed[dim],
        limit: scope.limit[dim],
        requested,
        purpose,
      });
    }
  }
  return null;
}
