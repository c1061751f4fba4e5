/**
 * A discrete-event simulation of sandbox admission, deterministic for a workload: what happens to every run when
 * the organisation's sandboxes are all in use, under three policies.
 * - `fail`: today's behaviour — a run or child that finds none free fails at once;
 * - `fifo`: wait in one first-come queue;
 * - `fair`: the product's `FairQueue` (fewest-held tenant first, each tenant within its plan's limit), with children
 *   that cannot get a sandbox at once degraded to plain sub-calls, as a parent that allows it would;
 * - `fair-wait`: the same queue, with children waiting in it instead (a parent that does not allow degrading).
 * Waiting counts against each run's deadline.
 */
import { FairQueue } from "../../worker/capacity/fair-queue";
import type { Run, TenantProfile } from "./model";

export type Policy = "fail" | "fifo" | "fair" | "fair-wait";

export interface Scenario {
  capacity: number;
  tenants: readonly TenantProfile[];
  deadlineSeconds: number;
  degradedChildSeconds: number;
}

export interface TenantOutcome {
  tenant: string;
  submitted: number;
  completed: number;
  failed: number;
  failedChildren: number;
  degradedChildren: number;
  /** Seconds each completed run waited for its first sandbox. */
  waits: number[];
  sandboxSeconds: number;
}

export interface Outcome {
  policy: Policy;
  tenants: TenantOutcome[];
  /** Most sandboxes held at once (never above capacity). */
  peak: number;
  endsAt: number;
}

interface RunState {
  run: Run;
  done: boolean;
  /** Holders (root and children) with a slot, and when each got it. */
  holding: Map<string, number>;
  waiting: Set<string>;
  childrenLeft: number;
  rootGrantedAt?: number;
}

interface Event {
  at: number;
  seq: number;
  fire: () => void;
}

/** Admission as a policy sees it: ask (granted at once or not), release (returns who got the slot), cancel. */
interface Admission {
  request(holder: string, tenant: string, at: number): boolean;
  release(holder: string): string[];
  cancel(holder: string): void;
  inUse(): number;
}

function admission(policy: Policy, scenario: Scenario): Admission {
  if (policy === "fair" || policy === "fair-wait") {
    const limits = new Map(scenario.tenants.map((t) => [t.name, t.planLimit]));
    const q = new FairQueue({ capacity: scenario.capacity, tenantLimit: (t) => limits.get(t) });
    return {
      request: (holder, tenant, at) => q.request({ holder, tenant, at }).granted,
      release: (holder) => q.release(holder).map((r) => r.holder),
      cancel: (holder) => void q.cancel(holder),
      inUse: () => q.inUse,
    };
  }
  const held = new Set<string>();
  const queue: string[] = [];
  return {
    request(holder) {
      if (held.size < scenario.capacity && (policy === "fail" || queue.length === 0)) {
        held.add(holder);
        return true;
      }
      if (policy === "fifo") queue.push(holder);
      return false;
    },
    release(holder) {
      if (!held.delete(holder)) return [];
      const next = queue.shift();
      if (next === undefined) return [];
      held.add(next);
      return [next];
    },
    cancel(holder) {
      const i = queue.indexOf(holder);
      if (i >= 0) queue.splice(i, 1);
    },
    inUse: () => held.size,
  };
}

export function simulate(runs: readonly Run[], scenario: Scenario, policy: Policy): Outcome {
  const events: Event[] = [];
  let seq = 0;
  let now = 0;
  const schedule = (at: number, fire: () => void) => {
    const e = { at, seq: seq++, fire };
    let i = events.length;
    while (i > 0 && (events[i - 1] as Event).at > at) i--;
    events.splice(i, 0, e);
  };
  const slots = admission(policy, scenario);
  const outcomes = new Map(
    scenario.tenants.map((t) => [
      t.name,
      {
        tenant: t.name,
        submitted: 0,
        completed: 0,
        failed: 0,
        failedChildren: 0,
        degradedChildren: 0,
        waits: [],
        sandboxSeconds: 0,
      } as TenantOutcome,
    ]),
  );
  const byHolder = new Map<string, RunState>();
  let peak = 0;
  const out = (s: RunState) => outcomes.get(s.run.tenant) as TenantOutcome;

  const release = (s: RunState, holder: string) => {
    const since = s.holding.get(holder);
    if (since === undefined) return;
    s.holding.delete(holder);
    out(s).sandboxSeconds += now - since;
    for (const next of slots.release(holder)) granted(next);
  };
  const finish = (s: RunState, ok: boolean) => {
    if (s.done) return;
    s.done = true;
    if (ok) {
      out(s).completed++;
      out(s).waits.push((s.rootGrantedAt ?? now) - s.run.submitAt);
    } else out(s).failed++;
    for (const holder of s.waiting) slots.cancel(holder);
    s.waiting.clear();
    for (const holder of [...s.holding.keys()]) release(s, holder);
  };
  const childDone = (s: RunState) => {
    if (--s.childrenLeft === 0 && !s.done) {
      schedule(now + s.run.rootSeconds - s.run.fanOutAt, () => finish(s, true));
    }
  };
  const startChildren = (s: RunState) => {
    if (s.done) return;
    s.childrenLeft = s.run.children.length;
    if (s.childrenLeft === 0) return schedule(now + s.run.rootSeconds - s.run.fanOutAt, () => finish(s, true));
    s.run.children.forEach((seconds, i) => {
      const holder = `${s.run.id}/child-${i}`;
      byHolder.set(holder, s);
      childSeconds.set(holder, seconds);
      if (slots.request(holder, s.run.tenant, now)) return granted(holder);
      if (policy === "fail") {
        out(s).failedChildren++;
        return childDone(s);
      }
      if (policy === "fair") {
        slots.cancel(holder);
        out(s).degradedChildren++;
        return schedule(now + scenario.degradedChildSeconds, () => !s.done && childDone(s));
      }
      s.waiting.add(holder);
    });
  };
  const childSeconds = new Map<string, number>();
  function granted(holder: string) {
    const s = byHolder.get(holder) as RunState;
    s.waiting.delete(holder);
    if (s.done) {
      // A grant that raced the run's end goes straight back.
      for (const next of slots.release(holder)) granted(next);
      return;
    }
    s.holding.set(holder, now);
    peak = Math.max(peak, slots.inUse());
    if (holder === s.run.id) {
      s.rootGrantedAt = now;
      schedule(now + s.run.fanOutAt, () => startChildren(s));
    } else {
      schedule(now + (childSeconds.get(holder) ?? 0), () => {
        if (s.done) return;
        release(s, holder);
        childDone(s);
      });
    }
  }

  for (const run of runs) {
    schedule(run.submitAt, () => {
      const s: RunState = { run, done: false, holding: new Map(), waiting: new Set(), childrenLeft: 0 };
      byHolder.set(run.id, s);
      out(s).submitted++;
      schedule(run.submitAt + scenario.deadlineSeconds, () => finish(s, false));
      if (slots.request(run.id, run.tenant, now)) granted(run.id);
      else if (policy === "fail") finish(s, false);
      else s.waiting.add(run.id);
    });
  }
  while (events.length > 0) {
    const e = events.shift() as Event;
    now = e.at;
    e.fire();
  }
  return { policy, tenants: [...outcomes.values()], peak, endsAt: now };
}

/**
 * Max-min fair shares of `capacity` between demands (water-filling): no tenant gets more than it asked for, and no
 * tenant that got less than it asked for gets less than any other.
 */
export function fairShares(demands: readonly number[], capacity: number): number[] {
  const shares = demands.map(() => 0);
  let left = capacity;
  let open = demands.map((_, i) => i).filter((i) => (demands[i] as number) > 0);
  while (open.length > 0 && left > 1e-9) {
    const each = left / open.length;
    const satisfied = open.filter((i) => (demands[i] as number) - (shares[i] as number) <= each);
    if (satisfied.length === 0) {
      for (const i of open) shares[i] = (shares[i] as number) + each;
      break;
    }
    for (const i of satisfied) {
      left -= (demands[i] as number) - (shares[i] as number);
      shares[i] = demands[i] as number;
    }
    open = open.filter((i) => !satisfied.includes(i));
  }
  return shares;
}

/** Jain's fairness index of `xs`: 1 when all are equal, 1/n when one has everything. */
export function jain(xs: readonly number[]): number {
  const sum = xs.reduce((a, b) => a + b, 0);
  const squares = xs.reduce((a, b) => a + b * b, 0);
  return squares === 0 ? 1 : (sum * sum) / (xs.length * squares);
}
