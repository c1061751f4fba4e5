/**
 * The budget's public vocabulary: the limits a root run starts with, the requests its tree makes, and every outcome as
 * data. Schemas validate what crosses the Durable Object boundary; the types are what callers see.
 */
import { z } from "zod";

/** Name of the root run's own scope. Child scopes are named by the caller (e.g. the child run's id). */
export const ROOT_SCOPE = "root";

/** Default recursion depth, as in the Python original (`rlm_max_depth = 2`): root 0, children 1, grandchildren 2. */
export const DEFAULT_MAX_DEPTH = 2;

/**
 * Sixteen levels is far beyond any useful recursion; the cap only keeps a typo from meaning "unbounded".
 */
const MAX_DEPTH_CEILING = 16;

const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** Dollars; at most a million keeps nano-dollar sums exact in a double (2^53 nano-dollars ≈ $9M). */
const usd = z.number().finite().nonnegative().max(1_000_000);

/** The limits of one root run; every field is optional and means "unlimited" when absent (except `maxDepth`). */
export const BudgetLimits = z.object({
  /** LLM calls of the whole tree (the Python original's `rlm_max_llm_calls`). */
  llmCalls: count.optional(),
  /** Prompt + completion tokens of the whole tree. */
  tokens: count.optional(),
  /** Spend of the whole tree in US dollars, accounted in whole nano-dollars. */
  costUsd: usd.optional(),
  /** Epoch milliseconds after which nothing more is granted. */
  deadline: z.number().int().positive().optional(),
  /** Deepest scope allowed; defaults to {@link DEFAULT_MAX_DEPTH}. */
  maxDepth: z.number().int().nonnegative().max(MAX_DEPTH_CEILING).optional(),
  /** Sandboxes held at the same time by the whole tree. */
  maxSandboxes: count.optional(),
});
export type BudgetLimits = z.infer<typeof BudgetLimits>;

/** What one LLM call asks for before it runs: estimates that {@link SettleRequest} later replaces with actuals. */
export const ReserveRequest = z.object({
  /** Calls to count up front (1, or the number of prompts of a batched call). */
  llmCalls: count.default(1),
  /** Upper bound of prompt + completion tokens; use the prompt size plus `max_tokens` so actuals never overshoot. */
  tokens: count.default(0),
  /** Upper bound of the call's cost in dollars. */
  costUsd: usd.default(0),
  /**
   * The call's stable id (run, iteration, block, callback). A call re-issued after its host restarted reuses its open
   * reservation, and one already settled is granted without charging again, so no call is counted twice.
   */
  callId: z.string().min(1).max(300).optional(),
});
export type ReserveRequest = z.input<typeof ReserveRequest>;

/** What a call actually consumed. The reserved call count is always charged as reserved. */
export const SettleRequest = z.object({
  tokens: count.default(0),
  costUsd: usd.default(0),
});
export type SettleRequest = z.input<typeof SettleRequest>;

/** A scope name: anything short and printable except {@link ROOT_SCOPE}. */
export const ScopeName = z.string().min(1).max(200);

/** A slice of the parent's remaining budget for a child run. Absent amounts mean "share the parent's remaining". */
export const LeaseRequest = z.object({
  childScope: ScopeName.refine((name) => name !== ROOT_SCOPE, { message: `"${ROOT_SCOPE}" is reserved` }),
  /** The child's depth; must be the parent's depth + 1 when given (it is derived from the parent anyway). */
  depth: z.number().int().positive().optional(),
  llmCalls: count.optional(),
  tokens: count.optional(),
  costUsd: usd.optional(),
});
export type LeaseRequest = z.input<typeof LeaseRequest>;

/** Exact amounts: calls, tokens and dollars. */
export interface Amounts {
  llmCalls: number;
  tokens: number;
  costUsd: number;
}

/** Amounts where `null` means unlimited. */
export interface Allowance {
  llmCalls: number | null;
  tokens: number | null;
  costUsd: number | null;
}

/** Why something was not granted. Quantity reasons name the dimension that ran out. */
export type RefusalReason =
  | "llm_calls"
  | "tokens"
  | "cost"
  | "deadline"
  | "depth"
  | "sandboxes"
  | "closed"
  | "cancelled";

/**
 * A refusal, as data. `message` is a sentence a model can act on. `used` and `limit` measure what ran out in `scope`:
 * calls, tokens or dollars committed (used + reserved + slices leased to open children) against the limit; elapsed
 * and allowed milliseconds for `deadline`; the requested and maximum depth for `depth`; held and allowed sandboxes for
 * `sandboxes`; both 0 for `closed` and `cancelled`.
 */
export interface Refused {
  status: "refused";
  reason: RefusalReason;
  message: string;
  scope: string;
  used: number;
  limit: number;
}

export type ReserveResult =
  | {
      status: "granted";
      reservationId: string;
      scope: string;
      remaining: Allowance;
      /** Set when the call id was already reserved (`open`) or settled (`settled`: nothing more is charged). */
      repeat?: "open" | "settled";
    }
  | Refused;

/** What {@link BudgetLedger.recover} gave back after the host holding it restarted. */
export interface RecoverResult {
  status: "recovered";
  released: number;
  sandboxes: number;
}

/** `overshoot` is how far the actuals exceeded the estimate (0 when within it); it is charged regardless. */
export type SettleResult =
  | {
      status: "settled";
      reservationId: string;
      scope: string;
      charged: Amounts;
      overshoot: { tokens: number; costUsd: number };
      remaining: Allowance;
    }
  | { status: "unknown_reservation"; reservationId: string };

export type ReleaseResult =
  | { status: "released"; reservationId: string; scope: string; refunded: Amounts; remaining: Allowance }
  | { status: "unknown_reservation"; reservationId: string };

/** `slice` is the child's own cap (`null`: it shares the parent's remaining); `remaining` is what it can reserve now. */
export type LeaseResult =
  | { status: "granted"; scope: string; parent: string; depth: number; slice: Allowance; remaining: Allowance }
  | Refused;

/** `returned` is what went back to the parent: the unspent part of the closed subtree's slices. */
export interface CloseResult {
  status: "closed";
  scope: string;
  returned: Amounts;
  alreadyClosed: boolean;
}

export type SandboxResult = { status: "granted"; scope: string; active: number; limit: number | null } | Refused;

export type SandboxReleaseResult =
  | { status: "released"; scope: string; active: number }
  | { status: "not_held"; scope: string; active: number };

export interface CancelResult {
  status: "cancelled";
  reason: string;
  alreadyCancelled: boolean;
}

/** Limits with the defaults applied, `null` for unlimited. */
export interface EffectiveLimits extends Allowance {
  deadline: number | null;
  maxDepth: number;
  maxSandboxes: number | null;
}

/** `initialized` for the first call; `existing` when an earlier call already set the limits (they win). */
export interface InitResult {
  status: "initialized" | "existing";
  limits: EffectiveLimits;
}

/**
 * One scope. `used` and `reserved` cover its whole subtree; `held` is the unspent part of slices leased to its open
 * descendants; `used + reserved + held` never exceeds `limit` except by a settled overshoot (see the ledger).
 * `remaining` is what a reservation in this scope could get right now (all zero once closed, cancelled or past the
 * deadline).
 */
export interface ScopeSnapshot {
  scope: string;
  parent: string | null;
  depth: number;
  closed: boolean;
  limit: Allowance;
  used: Amounts;
  reserved: Amounts;
  held: Amounts;
  remaining: Allowance;
  /** Sandboxes held by this scope itself. */
  sandboxes: number;
  /** Outstanding reservations made in this scope itself. */
  reservations: number;
}

/**
 * What a reservation in `scope` could get right now (all zero once closed, cancelled or past the deadline), and the
 * milliseconds left before the deadline (`null`: none set). This is what sandbox code reads with `budget()`.
 */
export interface RemainingResult {
  scope: string;
  depth: number;
  remaining: Allowance;
  msLeft: number | null;
}

/** The whole tree; `totals` are the root scope's figures plus tree-wide sandboxes. */
export interface BudgetSnapshot {
  limits: EffectiveLimits;
  createdAt: number;
  now: number;
  cancelled: string | null;
  totals: {
    used: Amounts;
    reserved: Amounts;
    remaining: Allowance;
    sandboxes: number;
  };
  scopes: ScopeSnapshot[];
}
