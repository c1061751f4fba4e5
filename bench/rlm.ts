/**
 * `npm run bench:rlm`: the RLM engine's own cost, through the API of a Worker under `wrangler dev`.
 *
 * 1. Orchestration overhead per iteration with a zero-latency scripted model: each root turn runs one trivial
 *    ```` ```repl ```` block; the per-iteration wall time (root call + block + budget + recording) is compared with
 *    one sandbox exec round trip measured in the same run (target: within 2×).
 * 2. Fan-out efficiency: `llm_query_batched` of 256 prompts with 100 ms of simulated model latency at concurrency 16
 *    and 64; achieved throughput as a percentage of ideal (ideal = ceil(256 / c) × 100 ms; target ≥ 90 %). The
 *    engine runs as deployed (each call through a relay object, `worker/llm/relay.ts`) and again with
 *    `LLM_RELAY=off`, beside the floor of this machine measured in the same run: the same calls sent by a bare
 *    Worker with no engine around them (`fan-out-floor/`), once with `fetch` and once through the app's LLM gateway.
 *    Each row also gives workerd's CPU per sub-call: locally every object shares workerd's one JavaScript thread, so
 *    CPU per call, not the engine's waiting, is what bounds throughput at high concurrency.
 */
import { and, eq } from "drizzle-orm";
import { type components, orThrow } from "../client/src/index";
import type { DbHandle } from "../worker/db/client";
import { runSteps, runs } from "../worker/db/schema";
import { withWorkerdCpu } from "./cpu";
import { startFanOutFloor } from "./fan-out-floor/index";
import { type BenchStack, startBenchStack } from "./stack";
import { formatTable, median, percentile, ratio } from "./table";

type CreateRlmRunRequest = components["schemas"]["CreateRlmRunRequest"];

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 40);
const FAN_OUT = 256;
const SUB_CALL_LATENCY_MS = 100;
/** Fan-out measurements per concurrency and kind; the median is reported, as the machine's load varies. */
const FAN_OUT_REPEATS = Number(process.env.BENCH_FAN_OUT_REPEATS ?? 3);
const CONCURRENCY = [16, 64] as const;
/** How often a run's status is read; from the database directly, so polling adds no work to the Worker. */
const POLL_MS = 100;

/** Starts a run and waits for it to complete; returns its id. */
async function runToEnd(stack: BenchStack, handle: DbHandle, body: CreateRlmRunRequest): Promise<string> {
  const { id } = orThrow(await stack.client.POST("/v1/rlm/runs", { body }));
  for (;;) {
    const [run] = await handle.db
      .select({ status: runs.status, error: runs.error })
      .from(runs)
      .where(and(eq(runs.tenantId, stack.tenantId), eq(runs.id, id)));
    if (run && run.status !== "running" && run.status !== "queued") {
      if (run.status !== "completed") throw new Error(`run ${id} ended ${run.status}: ${JSON.stringify(run.error)}`);
      return id;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

type IterationData = {
  blocks: Array<{ code: string; ms: number }>;
  timings: { rootCallMs: number; modelMs: number; execWallMs: number };
};

/** The run's recorded steps of one kind, in order. */
async function stepsOf(stack: BenchStack, runId: string, kind: "iteration" | "llm_call") {
  const handle = stack.openDb();
  try {
    const rows = await handle.db
      .select()
      .from(runSteps)
      .where(and(eq(runSteps.tenantId, stack.tenantId), eq(runSteps.runId, runId), eq(runSteps.kind, kind)))
      .orderBy(runSteps.index);
    return rows.map((r) => ({ latencyMs: r.latencyMs, data: r.data }));
  } finally {
    await handle.close();
  }
}

/** Latencies of the run's recorded LLM calls of one role, as the gateway measured them. */
async function llmCallLatencies(stack: BenchStack, runId: string, role: "planner" | "delegate"): Promise<number[]> {
  const calls = await stepsOf(stack, runId, "llm_call");
  return calls.filter((c) => (c.data as { role?: string }).role === role).map((c) => c.latencyMs);
}

async function iterationSteps(stack: BenchStack, runId: string) {
  const steps = await stepsOf(stack, runId, "iteration");
  return steps.map((s) => ({ latencyMs: s.latencyMs, data: s.data as IterationData }));
}

async function admin(stack: BenchStack, path: string, body: unknown) {
  const res = await fetch(`${stack.llmAdmin}/__admin/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`admin ${path}: ${res.status}`);
}

/** The `llm_query_batched` block's wall time inside the REPL, and the run's median sub-call latency. */
async function engineFanOut(stack: BenchStack, handle: DbHandle, concurrency: number) {
  const runId = await runToEnd(stack, handle, {
    query: `Count the characters of the context; fan out ${FAN_OUT}`,
    context: "abcdefgh".repeat(8192),
    subCallConcurrency: concurrency,
  });
  const steps = await iterationSteps(stack, runId);
  const block = steps.flatMap((s) => s.data.blocks).find((b) => b.code.includes("llm_query_batched"));
  if (!block) throw new Error("no llm_query_batched block recorded");
  return { ms: block.ms, callMs: median(await llmCallLatencies(stack, runId, "delegate")) };
}

/** One fan-out measurement: wall time, and the median sub-call latency where the run recorded one. */
interface FanOutSample {
  ms: number;
  callMs?: number;
}

/** Medians over `repeats` runs of `measure`: wall time, sub-call latency, and workerd CPU per sub-call. */
async function repeated(repeats: number, measure: () => Promise<FanOutSample>) {
  const ms: number[] = [];
  const callMs: number[] = [];
  const cpu: number[] = [];
  for (let k = 0; k < repeats; k++) {
    const { value, cpuMs } = await withWorkerdCpu(measure);
    ms.push(value.ms);
    if (value.callMs !== undefined) callMs.push(value.callMs);
    if (cpuMs !== null) cpu.push(cpuMs / FAN_OUT);
  }
  return {
    ms: median(ms),
    callMs: callMs.length > 0 ? median(callMs) : null,
    cpuPerCall: cpu.length > 0 ? median(cpu) : null,
  };
}

type FanOutRow = { label: string; c: number } & Awaited<ReturnType<typeof repeated>>;

/** The engine's fan-out at each concurrency on `stack`, labelled `label`. */
async function engineRows(stack: BenchStack, label: string): Promise<FanOutRow[]> {
  const handle = stack.openDb();
  try {
    await admin(stack, "config", { latencyMs: SUB_CALL_LATENCY_MS, perTokenMs: 0 });
    const rows: FanOutRow[] = [];
    for (const c of CONCURRENCY) {
      process.stdout.write(`fan-out, ${label}: ${FAN_OUT} sub-calls at concurrency ${c}, ${FAN_OUT_REPEATS}× … `);
      rows.push({ label, c, ...(await repeated(FAN_OUT_REPEATS, () => engineFanOut(stack, handle, c))) });
      console.log("done");
    }
    return rows;
  } finally {
    await handle.close();
  }
}

async function main() {
  const fanOut: FanOutRow[] = [];
  let overheadTable = "";
  const stack = await startBenchStack({ plan: "enterprise" });
  const handle = stack.openDb();
  const floor = await startFanOutFloor();
  try {
    // 1. Overhead per iteration.
    await admin(stack, "config", { latencyMs: 0, perTokenMs: 0 });
    const scriptId = `overhead-${Date.now()}`;
    const replies = [
      ...Array.from({ length: ITERATIONS }, (_, i) => `Step ${i}.\n\`\`\`repl\nx = ${i}\n\`\`\``),
      "FINAL(done)",
    ];
    await admin(stack, "script", { scriptId, replies });
    process.stdout.write(`overhead: ${ITERATIONS} iterations … `);
    const overheadRun = await runToEnd(stack, handle, {
      query: "overhead",
      context: "x",
      models: { planner: `scripted:${scriptId}` },
      maxIterations: ITERATIONS + 1,
    });
    // The first iterations warm the sandbox's keep-alive connections; the rest are steady state.
    const iterations = (await iterationSteps(stack, overheadRun)).slice(3, ITERATIONS);
    const perIteration = iterations.map((s) => s.latencyMs);
    const execInside = iterations.map((s) => s.data.blocks[0]?.ms ?? 0);
    const rootCalls = (await llmCallLatencies(stack, overheadRun, "planner")).slice(3, ITERATIONS);
    // Two baselines: round trips back to back, and each after an idle pause as long as the root call, which is what
    // a run's block follows (on this VM an idle process takes milliseconds to wake).
    const diagnose = async (pauseMs?: number) =>
      orThrow(await stack.client.POST("/v1/diagnostics/sandbox", { body: { execs: 100, pauseMs } })).exec?.samplesMs ??
      [];
    const hot = await diagnose();
    const pauseMs = Math.max(1, Math.round(median(rootCalls)));
    const idle = await diagnose(pauseMs);
    console.log("done");

    // 2. Fan-out efficiency: the engine as deployed (calls through relay objects), then the floor of this machine,
    // the same calls from a bare Worker.
    fanOut.push(...(await engineRows(stack, "engine, relayed calls (default)")));
    const llmBaseUrl = `${stack.llmAdmin}/v1`;
    for (const c of CONCURRENCY) {
      for (const mode of ["gateway", "fetch"] as const) {
        process.stdout.write(`fan-out floor, bare Worker with ${mode}: concurrency ${c}, ${FAN_OUT_REPEATS}× … `);
        const row = await repeated(FAN_OUT_REPEATS, async () => ({
          ms: await floor.measure({ llmBaseUrl, n: FAN_OUT, c, mode }),
        }));
        fanOut.push({ label: `floor: bare Worker, ${mode === "gateway" ? "LLM gateway" : "fetch"}`, c, ...row });
        console.log("done");
      }
    }
    const overhead = perIteration.map((ms, k) => ms - (rootCalls[k] ?? 0));
    const row = (label: string, samples: number[]) => [
      label,
      median(samples),
      percentile(samples, 0.95),
      ratio(median(samples), 2 * median(hot)),
      ratio(median(samples), 2 * median(idle)),
      ratio(percentile(samples, 0.95), 2 * percentile(idle, 0.95)),
    ];
    overheadTable = formatTable(
      [
        "per iteration (zero-latency scripted model)",
        "median ms",
        "p95 ms",
        "median vs 2× back-to-back round trip",
        "median vs 2× round trip after idle",
        "p95 vs 2× round trip after idle p95",
      ],
      [
        row("whole iteration: root call + 1 block + budget + trace", perIteration),
        row("  the root LLM call (model time: HTTP to the scripted server)", rootCalls),
        row("  orchestration overhead = iteration − model time", overhead),
        row(
          "  budget reserve + settle around the root call",
          iterations.map((s) => s.data.timings.rootCallMs - s.data.timings.modelMs),
        ),
        row(
          "  the block's exec round trip (host wall time)",
          iterations.map((s) => s.data.timings.execWallMs),
        ),
        row("  the block's own run time inside the REPL", execInside),
        row("baseline: one sandbox exec round trip (Worker → REPL), back to back", hot),
        row(`baseline: one sandbox exec round trip after ${pauseMs} ms idle (as a block follows the root call)`, idle),
      ],
    );
  } finally {
    await floor.stop();
    await handle.close();
    await stack.stop();
  }

  // 3. The engine again with calls made straight from the run's object, as self-hosted workerd may run it.
  const direct = await startBenchStack({ plan: "enterprise", vars: { LLM_RELAY: "off" } });
  try {
    fanOut.push(...(await engineRows(direct, "engine, direct calls (LLM_RELAY=off)")));
  } finally {
    await direct.stop();
  }

  console.log("");
  console.log(overheadTable);
  console.log("");
  const percent = (ideal: number, ms: number) => `${((100 * ideal) / ms).toFixed(1)} %`;
  const cpu = (ms: number | null) => (ms === null ? "—" : ms.toFixed(2));
  console.log(
    formatTable(
      [
        "llm_query_batched of 256 at 100 ms/call",
        "concurrency",
        "ideal ms",
        "achieved ms",
        "% of ideal",
        "median call ms",
        "workerd CPU ms per call",
      ],
      CONCURRENCY.flatMap((c) =>
        fanOut
          .filter((r) => r.c === c)
          .map((r) => {
            const ideal = Math.ceil(FAN_OUT / c) * SUB_CALL_LATENCY_MS;
            return [r.label, c, ideal, r.ms, percent(ideal, r.ms), r.callMs ?? "—", cpu(r.cpuPerCall)];
          }),
      ),
    ),
  );
}

await main();
