/**
 * `npm run bench:capacity`: the capacity simulation (`bench/capacity/`), deterministic by seed (`--seed N`, default
 * 1). Eight tenants on one deployment with Daytona Tier 1's ten sandboxes at once; today's behaviour (a run that finds
 * no sandbox fails) against a first-come queue and the product's fair queue. Prints, per policy and tenant: runs
 * completed and failed, children failed or degraded, the wait for a first sandbox (p50/p95), and the share of
 * sandbox time against the tenant's max-min fair share; then Jain's index over those ratios and a plot of p95 waits.
 */
import { parseArgs } from "node:util";
import { TIER1_SCENARIO, workload } from "./capacity/model";
import { fairShares, jain, type Outcome, type Policy, simulate } from "./capacity/simulate";
import { formatTable, percentile } from "./table";

const { values } = parseArgs({ options: { seed: { type: "string", default: "1" } } });
const seed = Number(values.seed);
const scenario = TIER1_SCENARIO;
const runs = workload(scenario.tenants, scenario.hours, seed);

// What each tenant would use with sandboxes to spare: its demand for the fair-share computation.
const unconstrained = simulate(runs, { ...scenario, capacity: Number.POSITIVE_INFINITY }, "fifo");
const demand = unconstrained.tenants.map((t) => t.sandboxSeconds);
const fair = fairShares(demand, scenario.capacity * scenario.hours * 3600);

const policies: Policy[] = ["fail", "fifo", "fair", "fair-wait"];
const outcomes = policies.map((p) => simulate(runs, scenario, p));

console.log(
  `capacity simulation, seed ${seed}: ${runs.length} runs from ${scenario.tenants.length} tenants over ${scenario.hours} h, ` +
    `${scenario.capacity} sandboxes at once, deadline ${scenario.deadlineSeconds} s\n`,
);

const round = (n: number) => Math.round(n);
for (const o of outcomes) {
  console.log(`policy \`${o.policy}\` (peak ${o.peak} sandboxes)`);
  console.log(
    formatTable(
      [
        "tenant",
        "runs",
        "completed",
        "failed",
        "children failed",
        "children degraded",
        "wait p50 s",
        "wait p95 s",
        "share / fair",
      ],
      o.tenants.map((t, i) => [
        t.tenant,
        t.submitted,
        t.completed,
        t.failed,
        t.failedChildren,
        t.degradedChildren,
        round(percentile(t.waits, 0.5)),
        round(percentile(t.waits, 0.95)),
        (t.sandboxSeconds / Math.max(fair[i] as number, 1)).toFixed(2),
      ]),
    ),
  );
  console.log("");
}

const summary = (o: Outcome) => {
  const all = o.tenants.reduce(
    (a, t) => ({ runs: a.runs + t.submitted, done: a.done + t.completed, failed: a.failed + t.failed }),
    { runs: 0, done: 0, failed: 0 },
  );
  const ratios = o.tenants.map((t, i) => t.sandboxSeconds / Math.max(fair[i] as number, 1));
  const worstP95 = Math.max(...o.tenants.map((t) => percentile(t.waits, 0.95)));
  return [
    o.policy,
    all.runs,
    all.done,
    all.failed,
    ((100 * all.failed) / all.runs).toFixed(1),
    round(worstP95),
    jain(ratios).toFixed(3),
  ];
};
console.log(
  formatTable(
    ["policy", "runs", "completed", "failed", "failed %", "worst tenant wait p95 s", "Jain fairness (1 = fair)"],
    outcomes.map(summary),
  ),
);

// One plot: each tenant's p95 wait per policy, as bars.
console.log("\np95 wait for a first sandbox, s (each █ ≈ 10 s)");
for (const [i, t] of scenario.tenants.entries()) {
  for (const o of outcomes.filter((x) => x.policy !== "fail")) {
    const p95 = percentile(o.tenants[i]?.waits ?? [], 0.95);
    console.log(`${t.name.padEnd(10)} ${o.policy.padEnd(4)} ${"█".repeat(Math.round(p95 / 10))} ${round(p95)}`);
  }
}
