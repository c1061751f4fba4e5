/**
 * daytona-production.md §3.5 at full scale, in a file of its own so it runs beside the others: a block computing for
 * 150 s completes through a front door that drops any response held 60 s, with the production poll bound (no
 * shortened `pollMs`). `daytona-faults.test.ts` has the same case scaled down ten times.
 */
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { daytonaProvider, daytonaSettings, ReplSession } from "../../worker/sandbox";
import { POLL_BOUND_MS } from "../../worker/sandbox/repl-session";

const provider = daytonaProvider(daytonaSettings(env));
const origin = new URL(env.DAYTONA_API_URL ?? "").origin;
const bearer = { authorization: `Bearer ${env.DAYTONA_API_KEY}`, "content-type": "application/json" };

it("an exec computing 150 s completes through a front door that drops responses held 60 s", async () => {
  expect(POLL_BOUND_MS).toBeLessThan(60_000);
  const sandbox = await provider.create({ labels: { tenant: "faults", run: "front-door-150s" } });
  try {
    const repl = await ReplSession.start(sandbox);
    const res = await fetch(`${origin}/__admin/faults`, {
      method: "POST",
      headers: bearer,
      body: JSON.stringify({ sandboxId: sandbox.id, faults: { frontDoorTimeoutMs: 60_000 } }),
    });
    expect(res.status).toBe(200);
    const started = Date.now();
    // Computes in short bursts for 150 s of wall-clock time, leaving the CPU mostly to the tests running beside it.
    const code = [
      "import time",
      "end = time.time() + 150",
      "rounds = 0",
      "while time.time() < end:",
      "    sum(range(2000)); rounds += 1; time.sleep(0.005)",
      "print('computed', rounds > 1000)",
    ].join("\n");
    const done = await repl.exec(code, { timeoutMs: 200_000 });
    expect(done).toMatchObject({ error: null, stdout: "computed True\n" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150_000);
  } finally {
    await sandbox.delete();
  }
}, 240_000);
