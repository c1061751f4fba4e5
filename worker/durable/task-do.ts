import { DurableObject } from "cloudflare:workers";
import { openDb } from "../db/client";
import { isAppError } from "../errors";
import { executeRun, type RunLaunch } from "../rlm/launch";
import { failUnfinished } from "../rlm/run-rows";

/** How often the watchdog looks at a running task; also how long an orphaned run can stay `running` at most. */
const WATCHDOG_MS = 30_000;
const SCHEMA_VERSION = 1;

type TaskStatus = "running" | "done";

/**
 * One headless run (API or webhook task). It owns the run's lifetime: starts the engine, cancels it, and — through a
 * watchdog alarm — makes sure a run whose host was restarted mid-way ends as `failed` instead of `running` forever.
 * The engine and storage logic live in `worker/rlm`; this class only wires them to the object's storage and alarms.
 */
export class TaskDO extends DurableObject<Env> {
  #active: { controller: AbortController; done: Promise<void> } | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      const sql = ctx.storage.sql;
      sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
      const version = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'schema'").toArray()[0];
      if (!version) {
        sql.exec(
          "CREATE TABLE task (id INTEGER PRIMARY KEY CHECK (id = 1), launch TEXT NOT NULL, status TEXT NOT NULL)",
        );
        sql.exec("INSERT INTO meta (key, value) VALUES ('schema', ?)", String(SCHEMA_VERSION));
      }
    });
  }

  /** Starts the run once; a repeated call (a retried request) reports the existing state. */
  async startRlm(launch: RunLaunch): Promise<{ status: TaskStatus; started: boolean }> {
    const existing = this.#state();
    if (existing) return { status: existing.status, started: false };
    this.ctx.storage.sql.exec("INSERT INTO task (id, launch, status) VALUES (1, ?, 'running')", JSON.stringify(launch));
    await this.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS);
    const controller = new AbortController();
    const done = this.#run(launch, controller.signal);
    this.#active = { controller, done };
    this.ctx.waitUntil(done);
    return { status: "running", started: true };
  }

  /** Cancels a running task; returns false when it had already ended. */
  async cancel(): Promise<boolean> {
    if (!this.#active) return false;
    this.#active.controller.abort();
    await this.#active.done;
    return true;
  }

  /** The watchdog: a task stored as running with no live engine was orphaned by a restart, so it is failed. */
  override async alarm(): Promise<void> {
    const state = this.#state();
    if (!state || state.status === "done") return;
    if (this.#active) {
      await this.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS);
      return;
    }
    await this.#finish(state.launch, {
      code: "internal",
      message: "The run was interrupted when its host restarted; start it again",
    });
  }

  async #run(launch: RunLaunch, signal: AbortSignal): Promise<void> {
    try {
      await executeRun(this.env, launch, signal);
      // The engine records its own ending; this only closes rows a lost trace write left open.
      await this.#finish(launch, { code: "internal", message: "The run ended without recording its outcome" });
    } catch (err) {
      // Failures before the engine could record anything (no LLM configured, context missing) end here.
      const error = isAppError(err)
        ? { code: err.code, message: err.message }
        : { code: "internal", message: "The run could not start" };
      if (!isAppError(err)) console.error(JSON.stringify({ level: "error", runId: launch.runId, err: String(err) }));
      await this.#finish(launch, error);
    } finally {
      this.#active = null;
    }
  }

  async #finish(launch: RunLaunch, error: { code: string; message: string }): Promise<void> {
    const handle = openDb(this.env);
    try {
      await failUnfinished(handle.db, launch.tenantId, launch.runId, error);
      this.#markDone();
    } finally {
      await handle.close();
    }
  }

  #markDone(): void {
    this.ctx.storage.sql.exec("UPDATE task SET status = 'done' WHERE id = 1");
    void this.ctx.storage.deleteAlarm();
  }

  #state(): { launch: RunLaunch; status: TaskStatus } | null {
    const row = this.ctx.storage.sql
      .exec<{ launch: string; status: string }>("SELECT launch, status FROM task")
      .toArray()[0];
    return row ? { launch: JSON.parse(row.launch) as RunLaunch, status: row.status as TaskStatus } : null;
  }
}
