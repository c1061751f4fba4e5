import { DurableObject } from "cloudflare:workers";
import type { Sql } from "../budget";
import type { Task } from "../contracts/tasks";
import type { TaskEvent } from "../contracts/webhooks";
import { openDb } from "../db/client";
import { failUnfinished } from "../db/queries/runs";
import { isAppError } from "../errors";
import { releaseRun } from "../quotas";
import type { CheckpointPort } from "../rlm";
import { executeTask, oneShotTask, type RunLaunch, type TaskEnd, type TaskLaunch } from "../runs";
import { migrateCheckpoints, sqlCheckpoints } from "../runs/checkpoints";
import { EventLog, type NewFrame } from "../session";
import { endEvent, enqueueTaskEvent, runDueDeliveries, type TaskProgress } from "../tasks/deliveries";
import { DeliveryQueue } from "../tasks/delivery-queue";
import { ProgressTracker } from "../tasks/progress";
import { resumePoint, sseComment, sseEvent } from "../tasks/sse";
import { markTaskEnded, markTaskRunning, toTask } from "../tasks/task-row";
import { closeInterruptedTrace } from "../trace";

/** How often the watchdog looks at a running task; also how long an orphaned run can stay `running` at most. */
const WATCHDOG_MS = 30_000;
const SCHEMA_VERSION = 2;
/**
 * Restarts a run may resume from before it is failed: a run that kills its host each time (a poison input) must not
 * resume forever, and three deploys or evictions in one run's life is already unusual.
 */
const MAX_RESUMES = 3;
/** Frames per replay read when an SSE client resumes. */
const REPLAY_BATCH = 1_000;

type TaskStatus = "running" | "done";
/** What the object hosts: a task (`/v1/tasks`, webhooks), or a one-shot run (`/v1/rlm/runs`) as a task. */
type Hosted = TaskLaunch;

/**
 * One headless task or run. It owns its lifetime (start, cancel, a watchdog alarm that resumes a run orphaned by a
 * restart from its last checkpoint, or fails it when it cannot), its event log (served as resumable Server-Sent Events), and its outbound webhook deliveries (retried by
 * the same alarm). The logic lives in `worker/runs` and `worker/tasks`; this class wires it up.
 */
export class TaskDO extends DurableObject<Env> {
  #log!: EventLog;
  #deliveries!: DeliveryQueue;
  #checkpoints!: CheckpointPort;
  #tag!: Sql;
  #active: { controller: AbortController; done: Promise<void> } | null = null;
  #streams = new Set<WritableStreamDefaultWriter<Uint8Array>>();
  /** The running task as `task.progress` reports it; null for runs and once the task has ended. */
  #progress: { tenantId: string; task: Task; tracker: ProgressTracker } | null = null;
  /** Event deliveries being logged, chained so they are enqueued in the order they happened. */
  #publishing: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      const { sql } = ctx.storage;
      const tag: Sql = (strings, ...values) => sql.exec(strings.join("?"), ...values).toArray();
      tag`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`;
      tag`CREATE TABLE IF NOT EXISTS task (id INTEGER PRIMARY KEY CHECK (id = 1), launch TEXT NOT NULL, status TEXT NOT NULL)`;
      this.#log = EventLog.open(tag);
      this.#deliveries = DeliveryQueue.open(tag);
      migrateCheckpoints(tag);
      this.#checkpoints = sqlCheckpoints(tag, (fn) => ctx.storage.transactionSync(fn));
      this.#tag = tag;
      tag`INSERT INTO meta (key, value) VALUES ('schema', ${String(SCHEMA_VERSION)})
        ON CONFLICT (key) DO UPDATE SET value = excluded.value`;
    });
  }

  /** Starts a task once; a repeated call (a retried request) reports the existing state. */
  async start(launch: TaskLaunch): Promise<{ status: TaskStatus; started: boolean }> {
    return this.#host(launch);
  }

  /** Starts a one-shot RLM run once (`POST /v1/rlm/runs`): a task underneath, with no task row. */
  async startRlm(launch: RunLaunch): Promise<{ status: TaskStatus; started: boolean }> {
    return this.#host(oneShotTask(launch));
  }

  /** Cancels a running task; returns false when it had already ended. */
  async cancel(): Promise<boolean> {
    if (!this.#active) return false;
    this.#active.controller.abort();
    await this.#active.done;
    return true;
  }

  /** Schedules a delivery again now (manual redelivery); false when the object does not hold it. */
  async redeliver(delivery: {
    id: string;
    tenantId: string;
    endpointId: string;
    url: string;
    messageId: string;
    body: string;
  }) {
    this.#deliveries.add({ ...delivery, nextAt: Date.now() });
    await this.#armAlarm();
    return true;
  }

  /** `GET …/events`: the task's frames as Server-Sent Events, from `Last-Event-ID` on, live until the task ends. */
  override async fetch(request: Request): Promise<Response> {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    let cursor = resumePoint(request);
    // Replay and subscription happen with no await in between, so no frame can slip between them.
    for (;;) {
      const batch = this.#log.after(cursor, REPLAY_BATCH);
      for (const { frame, text } of batch) void writer.write(sseEvent(frame, text));
      const last = batch.at(-1);
      if (!last || batch.length < REPLAY_BATCH) break;
      cursor = last.frame.seq ?? cursor;
    }
    if (this.#state()?.status === "running") {
      this.#streams.add(writer);
      void writer.write(sseComment("live"));
    } else {
      void writer.close();
    }
    return new Response(readable, {
      headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" },
    });
  }

  /** The watchdog and the delivery scheduler. */
  override async alarm(): Promise<void> {
    const state = this.#state();
    if (state?.status === "running" && !this.#active) {
      const refusal = this.#cannotResume(state.launch);
      if (refusal === null) {
        this.#resume(state.launch);
        await this.#armAlarm();
        return;
      }
      const message = `The run was interrupted when its host restarted and cannot resume: ${refusal}`;
      const handle = openDb(this.env);
      try {
        // Before the rows are marked failed: the trace is rebuilt from the tree as it was left.
        await closeInterruptedTrace(this.env, handle.db, {
          tenantId: state.launch.tenantId,
          rootRunId: state.launch.runId,
          message,
        });
      } finally {
        await handle.close();
      }
      await this.#finish(state.launch, {
        status: "failed",
        error: { code: "internal", message },
        usage: { llmCalls: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0 },
      });
    }
    if (this.#deliveries.earliest() !== null) {
      const handle = openDb(this.env);
      try {
        await runDueDeliveries(this.env, handle.db, this.#deliveries);
      } finally {
        await handle.close();
      }
    }
    await this.#armAlarm();
  }

  async #host(hosted: Hosted): Promise<{ status: TaskStatus; started: boolean }> {
    const existing = this.#state();
    if (existing) return { status: existing.status, started: false };
    this.ctx.storage.sql.exec("INSERT INTO task (id, launch, status) VALUES (1, ?, 'running')", JSON.stringify(hosted));
    await this.#armAlarm();
    this.#launch(hosted, false);
    return { status: "running", started: true };
  }

  #launch(hosted: Hosted, resume: boolean): void {
    const controller = new AbortController();
    const done = this.#run(hosted, controller.signal, resume);
    this.#active = { controller, done };
    this.ctx.waitUntil(done);
  }

  /** Why a run orphaned by a restart cannot resume, or null when it can. */
  #cannotResume(hosted: Hosted): string | null {
    // An agent task's loop keeps no checkpoint (only its delegated RLM runs would).
    if (hosted.mode !== "rlm") return "an agent task keeps no checkpoint; start it again";
    const resumes = Number(this.#tag`SELECT value FROM meta WHERE key = 'resumes'`[0]?.value ?? 0);
    if (resumes >= MAX_RESUMES) return `it was interrupted ${resumes} times already; start it again`;
    return null;
  }

  /** Continues a run from its last checkpoint (from the start when it had saved none), as a host restart left it. */
  #resume(hosted: Hosted): void {
    this.#tag`INSERT INTO meta (key, value) VALUES ('resumes', '1')
      ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1`;
    this.#emit({
      kind: "warning",
      runId: hosted.runId,
      depth: 0,
      data: { code: "resumed", message: "The run's host restarted; the run continues from its last checkpoint" },
    });
    this.#launch(hosted, true);
  }

  async #run(hosted: Hosted, signal: AbortSignal, resume = false): Promise<void> {
    try {
      let started: Task | null = null;
      if (!hosted.oneShot && !resume) {
        const handle = openDb(this.env);
        try {
          const row = await markTaskRunning(handle.db, hosted.tenantId, hosted.taskId);
          started = row && toTask(row);
        } finally {
          await handle.close();
        }
      }
      if (started) {
        this.#progress = { tenantId: hosted.tenantId, task: started, tracker: new ProgressTracker(Date.now()) };
        this.#publish(hosted.tenantId, "task.started", { task: started });
      }
      if (!resume) {
        this.#emit({
          kind: "turn_started",
          runId: hosted.runId,
          depth: 0,
          data: { taskId: hosted.taskId, mode: hosted.mode },
        });
      }
      const end = await executeTask(this.env, hosted, {
        emit: (event) => this.#emit(event),
        signal,
        checkpoints: this.#checkpoints,
        resume,
      });
      await this.#finish(hosted, end);
    } catch (err) {
      // Failures before anything could be recorded (no LLM configured, context missing) end here.
      const error = isAppError(err)
        ? { code: err.code, message: err.message }
        : { code: "internal", message: "The run could not start" };
      if (!isAppError(err)) console.error(JSON.stringify({ level: "error", runId: hosted.runId, err: String(err) }));
      await this.#finish(hosted, {
        status: "failed",
        error,
        usage: { llmCalls: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0 },
      });
    } finally {
      this.#active = null;
    }
  }

  /** Records the ending once: run rows, the task row, the final event, and the outbound deliveries it triggers. */
  async #finish(hosted: Hosted, end: TaskEnd): Promise<void> {
    // The slot goes back before the end is recorded: a client that starts its next task on seeing it is admitted.
    await releaseRun(this.env, hosted.tenantId, hosted.taskId);
    const handle = openDb(this.env);
    try {
      const error = end.status === "failed" ? end.error : { code: end.status, message: `The run was ${end.status}` };
      await failUnfinished(handle.db, hosted.tenantId, hosted.runId, error);
      this.#progress = null;
      await this.#publishing;
      const row = hosted.oneShot ? null : await markTaskEnded(handle.db, hosted.tenantId, hosted.taskId, end);
      this.#emit(
        end.status === "completed"
          ? { kind: "turn_completed", runId: hosted.runId, depth: 0, data: { answer: end.answer, usage: end.usage } }
          : end.status === "cancelled"
            ? { kind: "cancelled", runId: hosted.runId, depth: 0, data: { usage: end.usage } }
            : {
                kind: "error",
                runId: hosted.runId,
                depth: 0,
                data: { ...end.error, terminal: true, usage: end.usage },
              },
      );
      if (row) {
        const task = toTask(row);
        await enqueueTaskEvent(this.env, handle.db, this.#deliveries, {
          tenantId: hosted.tenantId,
          event: endEvent(task),
          data: { task },
          callbackUrl: row.callbackUrl,
        });
      }
      this.ctx.storage.sql.exec("UPDATE task SET status = 'done' WHERE id = 1");
    } finally {
      await handle.close();
      for (const writer of this.#streams) void writer.close().catch(() => {});
      this.#streams.clear();
      await this.#armAlarm();
    }
  }

  #emit(event: NewFrame): void {
    const { frame, text } = this.#log.append(event);
    const bytes = sseEvent(frame, text);
    for (const writer of this.#streams) {
      writer.write(bytes).catch(() => this.#streams.delete(writer));
    }
    const running = this.#progress;
    const progress = running?.tracker.observe(frame, Date.now());
    if (running && progress) this.#publish(running.tenantId, "task.progress", { task: running.task, progress });
  }

  /**
   * Logs and schedules an event's deliveries in the background, after those already on their way. A failure costs
   * that one event, never the task: it is logged.
   */
  #publish(tenantId: string, event: TaskEvent, data: { task: Task; progress?: TaskProgress }): void {
    this.#publishing = this.#publishing.then(async () => {
      const handle = openDb(this.env);
      try {
        await enqueueTaskEvent(this.env, handle.db, this.#deliveries, { tenantId, event, data, callbackUrl: null });
        await this.#armAlarm();
      } catch (err) {
        console.error(JSON.stringify({ level: "error", event, taskId: data.task.id, err: String(err) }));
      } finally {
        await handle.close();
      }
    });
    this.ctx.waitUntil(this.#publishing);
  }

  /** One alarm serves both jobs: the watchdog while running, and the earliest due delivery. */
  async #armAlarm(): Promise<void> {
    const times: number[] = [];
    if (this.#state()?.status === "running") times.push(Date.now() + WATCHDOG_MS);
    const delivery = this.#deliveries.earliest();
    if (delivery !== null) times.push(delivery);
    if (times.length === 0) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(Math.min(...times));
  }

  #state(): { launch: Hosted; status: TaskStatus } | null {
    const row = this.ctx.storage.sql
      .exec<{ launch: string; status: string }>("SELECT launch, status FROM task")
      .toArray()[0];
    if (!row) return null;
    // SAFETY: the object wrote this row itself, from a launch it was given.
    const parsed = JSON.parse(row.launch) as (TaskLaunch & { type?: "task" }) | (RunLaunch & { type?: "rlm-run" });
    // Objects created before one-shot runs were tasks stored a run launch (bare, or typed "rlm-run").
    const launch = "taskId" in parsed ? parsed : oneShotTask(parsed);
    return { launch, status: row.status as TaskStatus };
  }
}
