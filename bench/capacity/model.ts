/**
 * The workload of the capacity simulation: tenants submitting RLM runs of the shapes the benchmarks measured, against
 * a Daytona organisation's concurrent-sandbox limit. Deterministic for a seed.
 */
import { mulberry32 } from "../../dev/llm/faults";

export interface TenantProfile {
  name: string;
  /** Runs submitted per hour (Poisson). */
  runsPerHour: number;
  /** Root run seconds (median; log-normal spread). */
  rootSeconds: number;
  /** `rlm_query_batched` children per run (0: none), each a sandbox of its own. */
  fanOut: number;
  childSeconds: number;
  /** The most sandboxes this tenant's plan lets it hold at once. */
  planLimit: number;
}

export interface Run {
  id: string;
  tenant: string;
  submitAt: number;
  rootSeconds: number;
  /** Seconds into the root run when its children are asked for. */
  fanOutAt: number;
  children: number[];
}

/** A log-normal draw with median `median` and a spread that keeps most draws within ×0.5–×2. */
function lognormal(next: () => number, median: number): number {
  const u = Math.max(next(), 1e-12);
  const v = next();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return median * Math.exp(0.35 * z);
}

/** Every run the tenants submit in `hours`, in submission order. */
export function workload(tenants: readonly TenantProfile[], hours: number, seed: number): Run[] {
  const next = mulberry32(seed);
  const runs: Run[] = [];
  for (const t of tenants) {
    let at = 0;
    for (let i = 0; ; i++) {
      at += (-Math.log(Math.max(next(), 1e-12)) / t.runsPerHour) * 3600;
      if (at > hours * 3600) break;
      const rootSeconds = lognormal(next, t.rootSeconds);
      runs.push({
        id: `${t.name}-${i}`,
        tenant: t.name,
        submitAt: at,
        rootSeconds,
        fanOutAt: rootSeconds * 0.3,
        children: Array.from({ length: t.fanOut }, () => lognormal(next, t.childSeconds)),
      });
    }
  }
  return runs.sort((a, b) => a.submitAt - b.submitAt);
}

/**
 * One deployment on Daytona Tier 1 (10 sandboxes at once with the default 1 vCPU each), eight tenants: one runs
 * `rlm_query_batched` fan-outs of 16, one of 4, six run single-sandbox RLM runs. Durations are of the order the RLM
 * benchmarks and the capability runs show (a root run of one to two minutes, children of about a minute).
 */
export const TIER1_SCENARIO = {
  capacity: 10,
  tenants: [
    { name: "fanout-16", runsPerHour: 30, rootSeconds: 90, fanOut: 16, childSeconds: 60, planLimit: 8 },
    { name: "fanout-4", runsPerHour: 20, rootSeconds: 90, fanOut: 4, childSeconds: 60, planLimit: 8 },
    ...Array.from({ length: 6 }, (_, i) => ({
      name: `single-${i + 1}`,
      runsPerHour: 12,
      rootSeconds: 75,
      fanOut: 0,
      childSeconds: 0,
      planLimit: 8,
    })),
  ] satisfies TenantProfile[],
  /** A run's deadline, s: waiting for a sandbox counts against it. */
  deadlineSeconds: 900,
  /** How long a child degraded to a plain sub-call takes instead, s (one model call). */
  degradedChildSeconds: 8,
  hours: 2,
};
