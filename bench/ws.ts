/**
 * `npm run bench:ws`: the chat WebSocket's delivery latency and how many streaming sessions one machine sustains,
 * through a Worker under `wrangler dev` with the scripted LLM streaming each reply as timed SSE chunks.
 *
 * 1. Frame delivery latency, from the Durable Object appending a frame (its `ts`) to this process receiving it
 *    (same machine, same clock; workerd's clock has 1 ms resolution and stands still within one event, so `ts` is
 *    when the event that emitted the frame began), for one session streaming a turn of ~200 frames. Baselines: the `ping` → `pong` round trip the object's auto-response
 *    answers without running its code, and a `resume` → replayed frame round trip through `webSocketMessage`.
 * 2. Concurrent sessions, N = 1, 2, 4 … 64, each streaming a turn at the same moment on its own socket and scripted
 *    queue, until p95 latency exceeds twice the N = 1 p95 or anything goes wrong; each session's `seq`s are checked
 *    against the server's log (every frame 1…last exactly once).
 */
import { type BenchStack, startBenchStack } from "./stack";
import { formatTable, percentile, ratio } from "./table";
import { CHUNK_CHARS, openSession, runStep, type StepResult, scriptReply, sendMessage } from "./ws/step";

/** Deltas per measured turn: a couple of hundred frames per session, ten seconds per step at the pace below. */
const STREAM_CHUNKS = 200;
/**
 * Time between streamed chunks. Above the agent's 40 ms delta coalescing (`worker/agent/delta-buffer.ts`), so each
 * chunk becomes its own frame instead of being merged with the next.
 */
const CHUNK_INTERVAL_MS = 50;
/** The scripted server paces streams per completion token; a chunk is `CHUNK_CHARS / 4` tokens. */
const PER_TOKEN_MS = CHUNK_INTERVAL_MS / (CHUNK_CHARS / 4);
/** Concurrent sessions per step: doubling, up to well past what two cores should carry. */
const SESSION_STEPS = [1, 2, 4, 8, 16, 32, 64];
/** The step that ends the ramp: p95 latency above this multiple of the single-session p95. */
const DEGRADATION = 2;
/** A turn's deadline: six times its scripted 10 s stream, so only a stuck turn misses it. */
const TURN_TIMEOUT_MS = 60_000;
/** Baseline samples: enough for a stable p95 in a few seconds. */
const PINGS = 200;
const RESUMES = 100;
/** The baseline session's turn: short, it only warms the turn path and gives `resume` something to replay. */
const BASELINE_CHUNKS = 20;

interface Baselines {
  ping: number[];
  resume: number[];
}

async function llmConfig(stack: BenchStack, patch: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${stack.llmAdmin}/__admin/config`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(patch),
  });
  if (!res.ok) throw new Error(`scripted LLM config: ${res.status} ${await res.text()}`);
}

/** Round trips on one idle session socket, after one short turn that also warms the Worker and the object. */
async function measureBaselines(stack: BenchStack): Promise<Baselines> {
  const { id, socket } = await openSession(stack);
  const scriptId = `ws-baseline-${id}`;
  await scriptReply(stack, scriptId, "x".repeat(BASELINE_CHUNKS * CHUNK_CHARS));
  sendMessage(socket, scriptId);
  await socket.turnEnd(TURN_TIMEOUT_MS);
  const ping = await socket.pingRoundTrips(PINGS);
  const resume = await socket.resumeRoundTrips(RESUMES);
  socket.close();
  return { ping, resume };
}

function latencyTable(single: StepResult, baselines: Baselines): string {
  const basePing = { p50: percentile(baselines.ping, 0.5), p95: percentile(baselines.ping, 0.95) };
  const row = (label: string, samples: number[]) => {
    const p50 = percentile(samples, 0.5);
    const p95 = percentile(samples, 0.95);
    return [label, samples.length, p50, p95, ratio(p50, basePing.p50), ratio(p95, basePing.p95)];
  };
  return formatTable(
    ["measurement", "samples", "p50 ms", "p95 ms", "p50 vs ping", "p95 vs ping"],
    [
      row("frame delivery, DO append (`ts`) → client, one streaming session", single.latencies),
      row("baseline: `ping` → `pong` round trip (auto-response, object not woken)", baselines.ping),
      row("`resume` → replayed frame round trip (webSocketMessage + SQLite read)", baselines.resume),
    ],
  );
}

function rampTable(steps: StepResult[]): string {
  const baseP95 = percentile(steps[0]?.latencies ?? [], 0.95);
  return formatTable(
    [
      "sessions",
      "frames delivered",
      "frames/s",
      "p50 ms",
      "p95 ms",
      "p95 vs N=1",
      "frames lost",
      "duplicated",
      "turns completed",
      "errors",
    ],
    steps.map((s) => {
      const p95 = percentile(s.latencies, 0.95);
      return [
        s.sessions,
        s.delivered,
        Math.round((1000 * s.delivered) / s.wallMs),
        percentile(s.latencies, 0.5),
        p95,
        ratio(p95, baseP95),
        s.lost,
        s.duplicated,
        `${s.completed}/${s.sessions}`,
        s.errors.length,
      ];
    }),
  );
}

function healthy(step: StepResult, baseP95: number): boolean {
  const clean = step.errors.length === 0 && step.lost === 0 && step.duplicated === 0;
  return clean && percentile(step.latencies, 0.95) <= DEGRADATION * baseP95;
}

async function main() {
  const stack = await startBenchStack({ plan: "enterprise" });
  try {
    await llmConfig(stack, { latencyMs: 0, perTokenMs: PER_TOKEN_MS, streamChunkChars: CHUNK_CHARS });
    process.stdout.write(`baselines: ${PINGS} pings, ${RESUMES} resumes … `);
    const baselines = await measureBaselines(stack);
    console.log("done");

    const steps: StepResult[] = [];
    for (const n of SESSION_STEPS) {
      process.stdout.write(`${n} session(s) streaming ${STREAM_CHUNKS} chunks each … `);
      const step = await runStep(stack, n, STREAM_CHUNKS, TURN_TIMEOUT_MS);
      steps.push(step);
      console.log(`${step.delivered} frames`);
      for (const error of step.errors.slice(0, 5)) console.log(`  ${error}`);
      // `wrangler dev` rebuilds and restarts the Worker when a source file changes, closing every socket with 1006.
      if (step.dropped > 0)
        console.log("  sockets were dropped: was a file under worker/ or web/dist edited just now?");
      if (!healthy(step, percentile(steps[0]?.latencies ?? [], 0.95))) break;
    }

    console.log("");
    console.log(latencyTable(steps[0] as StepResult, baselines));
    console.log("");
    console.log(rampTable(steps));
    const baseP95 = percentile(steps[0]?.latencies ?? [], 0.95);
    const sustained = steps.filter((s) => healthy(s, baseP95)).at(-1)?.sessions ?? 0;
    console.log("");
    console.log(
      `sustained: ${sustained} concurrent streaming sessions (p95 ≤ ${DEGRADATION}× the single-session p95, no lost, duplicated or failed frames)`,
    );
  } finally {
    await stack.stop();
  }
}

await main();
