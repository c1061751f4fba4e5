/**
 * What the ledger persists, and the smallest interface it persists through. Only facts are stored (limits, each
 * scope's settled usage, open reservations, closed flags); everything derived — reserved totals, committed amounts —
 * is rebuilt when the ledger opens, so the stored state cannot disagree with itself.
 */
import type { BudgetLimits } from "./types";

/** Calls, tokens and cost in whole nano-dollars: integers, so sums and refunds are exact. */
export interface Units {
  calls: number;
  tokens: number;
  nanoUsd: number;
}

/** Ledger-wide facts. */
export interface MetaRecord {
  limits: BudgetLimits;
  createdAt: number;
  cancelled: string | null;
  /** Sequence of the next reservation id; ids are never reused, even across evictions. */
  nextReservation: number;
}

/** One scope. `limit` fields are `null` when unlimited; `used` is settled usage of reservations made in this scope. */
export interface ScopeRecord {
  id: string;
  parent: string | null;
  depth: number;
  closed: boolean;
  limit: { calls: number | null; tokens: number | null; nanoUsd: number | null };
  used: Units;
  sandboxes: number;
}

/** An open reservation: estimates held until settled or released. */
export interface ReservationRecord {
  id: string;
  scope: string;
  amount: Units;
}

/** Everything {@link LedgerStore.load} returns. */
export interface StoredLedger {
  meta: MetaRecord;
  scopes: ScopeRecord[];
  reservations: ReservationRecord[];
  /** Call ids whose reservation was settled or released: a repeat is not charged again. */
  finishedCalls: string[];
}

/**
 * Synchronous persistence. Writes must not await: the ledger's atomicity comes from running each operation to
 * completion in one turn of a single-threaded Durable Object.
 */
export interface LedgerStore {
  /** The stored ledger, or `null` before `init`. */
  load(): StoredLedger | null;
  putMeta(meta: MetaRecord): void;
  putScope(scope: ScopeRecord): void;
  putReservation(reservation: ReservationRecord): void;
  deleteReservation(id: string): void;
  putFinishedCall(callId: string): void;
}

/**
 * An in-memory store for tests and tools. `load` returns copies, so opening a second ledger on the same store
 * behaves like a Durable Object restarting from storage.
 */
export function memoryLedgerStore(): LedgerStore {
  let meta: MetaRecord | null = null;
  const scopes = new Map<string, ScopeRecord>();
  const reservations = new Map<string, ReservationRecord>();
  const finishedCalls = new Set<string>();
  return {
    load: () =>
      meta &&
      structuredClone({
        meta,
        scopes: [...scopes.values()],
        reservations: [...reservations.values()],
        finishedCalls: [...finishedCalls],
      }),
    putMeta: (value) => {
      meta = structuredClone(value);
    },
    putScope: (value) => {
      scopes.set(value.id, structuredClone(value));
    },
    putReservation: (value) => {
      reservations.set(value.id, structuredClone(value));
    },
    deleteReservation: (id) => {
      reservations.delete(id);
    },
    putFinishedCall: (callId) => {
      finishedCalls.add(callId);
    },
  };
}
