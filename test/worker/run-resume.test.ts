/**
 * Runs survive their host restarting (a deploy, an eviction): the task object is aborted mid-run, its watchdog alarm
 * resumes the run from its last checkpoint, and the run ends with the right answer, each iteration recorded once and
 * the budget charged once per call.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getBudgetStub } from "../../worker/budget";
import { repos } from "../../worker/db/repos";
import { runSteps, runs } from "../../worker/db/schema";
import { getTaskStub } from "../../worker/durable/task-stub";
import { daytonaProvider, daytonaSettings } from "../../worker/sandbox";
import { call, expectJson, newTenant, until, useTestDb } from "./harness";
import { scriptReplies } from "./scripted-llm";

const handle = useTestDb();
const provider = daytonaProvider(daytonaSettings(env));

interface RunBody {
  id: string;
  status: string;
  answer: string | null;
  iterations: number;
  usage: { llmCalls: number } | null;
  error: { code: string; message: string } | null;
}

interface SavedState {
  turn: number;
  pending: { response: string } | null;
  sandbox: { sandboxId: string } | null;
  variables: boolean;
}

const repl = (code: string) => `\`\`\`repl\n${code}\n\`\`\``;

/** Starts a one-shot run whose planner answers from a fresh script; returns its id, key and planner model. */
async function startRun(replies: unknown[], extra: Record<string, unknown> = {}, delegate = "solver") {
  const { apiKey, tenant } = await newTenant(handle, "resume");
  const scriptId = `resume-${crypto.randomUUID()}`;
  await scriptReplies(scriptId, replies);
  const planner = `scripted:${scriptId}`;
  const { id } = await expectJson<{ id: string }>(
    await call("/v1/rlm/runs", {
      method: "POST",
      key: apiKey.secret,
      json: { query: "q", context: "the context", models: { planner, delegate }, ...extra },
    }),
    202,
  );
  return { id, key: apiKey.secret, tenantId: tenant.id, planner };
}

/** The run's checkpoint as its host object stored it (null before the first). */
async function savedState(runId: string): Promise<SavedState | null> {
  return runInDurableObject(getTaskStub(env, runId), (_instance, state) => {
    const rows = state.storage.sql
      .exec<{ data: string }>(
        "SELECT data FROM run_checkpoint_chunks WHERE run_id = ? AND part = 'state' ORDER BY idx",
        runId,
      )
      .toArray();
    return rows.length === 0 ? null : (JSON.parse(rows.map((r) => r.data).join("")) as SavedState);
  });
}

/** A deploy or eviction: the object is reset, its in-memory run gone; the watchdog alarm then finds it. */
async function restartHost(runId: string): Promise<void> {
  await runInDurableObject(getTaskStub(env, runId), (_instance, state) => state.abort("host restarted")).catch(
    () => {},
  );
  expect(await runDurableObjectAlarm(getTaskStub(env, runId))).toBe(true);
}

async function ended(runId: string, key: string): Promise<RunBody> {
  return until(
    async () => {
      const body = await expectJson<RunBody>(await call(`/v1/rlm/runs/${runId}`, { key }), 200);
      return ["queued", "running"].includes(body.status) ? null : body;
    },
    "the run's end",
    60_000,
  );
}

/** The turns of the iterations recorded for a run, in order. */
async function iterationTurns(tenantId: string, runId: string): Promise<number[]> {
  const rows = await handle.db
    .select({ data: runSteps.data, index: runSteps.index })
    .from(runSteps)
    .where(and(eq(runSteps.tenantId, tenantId), eq(runSteps.runId, runId), eq(runSteps.kind, "iteration")));
  return rows.sort((a, b) => a.index - b.index).map((r) => (r.data as { turn: number }).turn);
}

/** Waits until the root call of `turn` has its budget reserved: it is on its way to the model. */
async function rootCallInFlight(runId: string, turn: number): Promise<void> {
  await until(async () => {
    const saved = await savedState(runId);
    if (saved?.turn !== turn || saved.pending) return null;
    return (await budgetUsed(runId)).reserved.llmCalls === 1 || null;
  }, `the root call of turn ${turn}`);
}

async function budgetUsed(runId: string) {
  const snapshot = await getBudgetStub(env, runId).snapshot();
  return { used: snapshot.totals.used, reserved: snapshot.totals.reserved, sandboxes: snapshot.totals.sandboxes };
}

describe("a run whose host restarts", () => {
  it("during a root call: the call is made again, charged once, and the run answers", async () => {
    const first = repl("x = 6 * 7\nprint(x)");
    const { id, key, tenantId } = await startRun([
      { content: first, delayMs: 30_000 }, // cut off by the restart
      first,
      "FINAL_VAR(x)",
    ]);
    await rootCallInFlight(id, 0);
    await restartHost(id);
    const run = await ended(id, key);
    expect(run).toMatchObject({ status: "completed", answer: "42", iterations: 2 });
    expect(await iterationTurns(tenantId, id)).toEqual([0, 1]);
    // The lost call was released when the run resumed; the two answered root calls are charged, once each.
    expect(await budgetUsed(id)).toMatchObject({ used: { llmCalls: 2 }, reserved: { llmCalls: 0 }, sandboxes: 0 });
    expect(run.usage?.llmCalls).toBe(2);
  }, 90_000);

  it("during a block's exec: it re-attaches to the exec, which runs once", async () => {
    const block = repl(
      "import time\nwith open('execs.txt', 'a') as f:\n    f.write('x')\ntime.sleep(3)\nx = len(open('execs.txt').read())",
    );
    const { id, key, tenantId } = await startRun([block, "FINAL_VAR(x)"]);
    // The root call's response is checkpointed before its block runs.
    await until(async () => (await savedState(id))?.pending ?? null, "the checkpoint before the block");
    await restartHost(id);
    const run = await ended(id, key);
    expect(run).toMatchObject({ status: "completed", answer: "1", iterations: 2 });
    expect(await iterationTurns(tenantId, id)).toEqual([0, 1]);
    expect(await budgetUsed(id)).toMatchObject({ used: { llmCalls: 2 }, reserved: { llmCalls: 0 } });
  }, 90_000);

  it("with its sandbox gone: it resumes in a new sandbox with the saved variables restored", async () => {
    const { id, key, tenantId } = await startRun([
      repl("x = 6 * 7\nnames = ['a', 'b']\nprint(x)"),
      { content: "FINAL_VAR(x)", delayMs: 30_000 }, // cut off by the restart
      repl("x = x + len(names) - 2\nprint(x)"),
      "FINAL_VAR(x)",
    ]);
    await rootCallInFlight(id, 1);
    const saved = await savedState(id);
    expect(saved).toMatchObject({ turn: 1, pending: null, variables: true });
    const sandboxId = saved?.sandbox?.sandboxId ?? "";
    await provider.remove(sandboxId);
    await restartHost(id);
    const run = await ended(id, key);
    expect(run).toMatchObject({ status: "completed", answer: "42", iterations: 3 });
    expect(await iterationTurns(tenantId, id)).toEqual([0, 1, 2]);
    expect((await savedState(id))?.sandbox?.sandboxId).not.toBe(sandboxId);
    const resumed = await handle.db
      .select({ data: runSteps.data })
      .from(runSteps)
      .where(and(eq(runSteps.runId, id), eq(runSteps.kind, "observation")));
    expect(resumed.map((r) => r.data)).toEqual([
      expect.objectContaining({ event: "resumed", turn: 1, sandbox: "new", restored: expect.anything() }),
    ]);
    expect(await budgetUsed(id)).toMatchObject({ used: { llmCalls: 3 }, reserved: { llmCalls: 0 } });
  }, 90_000);

  it("during a 256-way fan-out: the batch is issued again and charged once", async () => {
    const delegateScript = `resume-delegate-${crypto.randomUUID()}`;
    // Slow enough that the restart lands while the batch is out; enough replies for the batch twice over.
    await scriptReplies(
      delegateScript,
      Array.from({ length: 600 }, () => ({ content: "ok", delayMs: 150 })),
    );
    const block = repl(
      'answers = llm_query_batched([f"say ok {i}" for i in range(256)])\nx = sum(1 for a in answers if a == "ok")',
    );
    const { id, key, tenantId } = await startRun([block, "FINAL_VAR(x)"], {}, `scripted:${delegateScript}`);
    await until(async () => (await budgetUsed(id)).reserved.llmCalls === 256 || null, "the batch in flight");
    await restartHost(id);
    const run = await ended(id, key);
    expect(run).toMatchObject({ status: "completed", answer: "256", iterations: 2 });
    expect(await iterationTurns(tenantId, id)).toEqual([0, 1]);
    expect(await budgetUsed(id)).toMatchObject({ used: { llmCalls: 258 }, reserved: { llmCalls: 0 }, sandboxes: 0 });
    expect(run.usage?.llmCalls).toBe(258);
  }, 120_000);

  it("during a depth-2 child's exec: the child resumes inside its parent, each run's iterations recorded once", async () => {
    const { id, key, tenantId } = await startRun(
      [
        repl('r = rlm_query("What is x?", context="x is 5")\nprint(r)'),
        repl("import time\ntime.sleep(3)\ny = context.split()[-1]"), // the child's first turn, cut off
        "FINAL_VAR(y)", // the child's second
        "FINAL_VAR(r)", // the root's second
      ],
      { maxDepth: 2 },
    );
    const child = await until(async () => {
      const rows = await runInDurableObject(getTaskStub(env, id), (_instance, state) =>
        state.storage.sql
          .exec<{ run_id: string; data: string }>(
            "SELECT run_id, data FROM run_checkpoint_chunks WHERE run_id != ? AND part = 'state' AND idx = 0",
            id,
          )
          .toArray(),
      );
      const found = rows.find((r) => (JSON.parse(r.data) as SavedState).pending !== null);
      return found?.run_id ?? null;
    }, "the child's block running");
    await restartHost(id);
    const run = await ended(id, key);
    expect(run).toMatchObject({ status: "completed", answer: "5", iterations: 2 });
    expect(await iterationTurns(tenantId, id)).toEqual([0, 1]);
    expect(await iterationTurns(tenantId, child)).toEqual([0, 1]);
    const tree = await expectJson<{ children: Array<{ id: string; status: string }> }>(
      await call(`/v1/rlm/runs/${id}`, { key }),
      200,
    );
    expect(tree.children).toEqual([expect.objectContaining({ id: child, status: "completed" })]);
    expect(await budgetUsed(id)).toMatchObject({ used: { llmCalls: 4 }, reserved: { llmCalls: 0 }, sandboxes: 0 });
  }, 120_000);

  describe("that cannot resume", () => {
    /** A task object holding a running run its engine lost, as a restart leaves it; returns the run's row after. */
    async function orphan(launch: Record<string, unknown>, resumes: number) {
      const { tenant } = await newTenant(handle, "orphan");
      const runId = crypto.randomUUID();
      await repos.runs.insert(handle.db, tenant.id, {
        id: runId,
        rootRunId: runId,
        kind: "rlm",
        status: "running",
        query: "q",
      });
      const stub = getTaskStub(env, runId);
      await runInDurableObject(stub, async (_instance, state) => {
        state.storage.sql.exec(
          "INSERT INTO task (id, launch, status) VALUES (1, ?, 'running')",
          JSON.stringify({ ...launch, runId, taskId: runId, tenantId: tenant.id, oneShot: true }),
        );
        state.storage.sql.exec("INSERT INTO meta (key, value) VALUES ('resumes', ?)", String(resumes));
        await state.storage.setAlarm(Date.now() + 60_000);
      });
      expect(await runDurableObjectAlarm(stub)).toBe(true);
      const [row] = await handle.db.select().from(runs).where(eq(runs.id, runId));
      return row;
    }
    const base = {
      query: "q",
      context: { kind: "none" },
      budget: {},
      models: {},
      maxIterations: 3,
      maxDepth: 1,
      subCallConcurrency: 4,
    };

    it("fails an agent task with the reason: its loop keeps no checkpoint", async () => {
      const row = await orphan({ ...base, mode: "agent" }, 0);
      expect(row).toMatchObject({ status: "failed", endReason: "internal" });
      expect(row?.error?.message).toMatch(/cannot resume: an agent task keeps no checkpoint/);
    });

    it("fails a run that was interrupted too often, so a poison run cannot resume forever", async () => {
      const row = await orphan({ ...base, mode: "rlm" }, 3);
      expect(row).toMatchObject({ status: "failed" });
      expect(row?.error?.message).toMatch(/cannot resume: it was interrupted 3 times already/);
    });
  });
});
