/**
 * A recorder observer that keeps each model call's input and output in R2, off the run's path: `step` only queues
 * the write (a few at a time), and `flush` — awaited when the run ends — waits for them. A step's content is found
 * by its run and index, the same index the database recorder gives it, since both see every step in order.
 */
import type { RecordedStep, RunRecorder } from "../../rlm/ports";
import { callContent } from "./record";
import { type ContentBucket, contentKey, putContent } from "./store";

/** Writes in flight at once: enough to keep up with a fan-out of fast sub-calls without a burst of hundreds. */
const WRITE_CONCURRENCY = 8;

export interface ContentObserverDeps {
  bucket: ContentBucket;
  tenantId: string;
  /** Whether the tenant keeps texts (else only sizes); asked once, when the first call is recorded. */
  capture: () => Promise<boolean>;
}

/** The observer; compose it with the run's other observers. */
export function contentObserver(deps: ContentObserverDeps): Partial<RunRecorder> {
  const roots = new Map<string, string>();
  const indexes = new Map<string, number>();
  const waiting: Array<() => Promise<void>> = [];
  const idle = new Set<() => void>();
  let active = 0;
  let capture: Promise<boolean> | null = null;

  const pump = () => {
    while (active < WRITE_CONCURRENCY && waiting.length > 0) {
      const job = waiting.shift() as () => Promise<void>;
      active += 1;
      void job()
        // Content is for looking at later; a failed write never fails the run.
        .catch((err) =>
          console.error(JSON.stringify({ level: "warn", msg: "trace content write failed", err: String(err) })),
        )
        .finally(() => {
          active -= 1;
          pump();
        });
    }
    if (active === 0 && waiting.length === 0) for (const done of idle) done();
  };

  return {
    started(run) {
      roots.set(run.runId, run.rootRunId);
    },
    step(runId, step: RecordedStep) {
      const index = indexes.get(runId) ?? 0;
      indexes.set(runId, index + 1);
      const io = step.io;
      if (!io) return;
      capture ??= deps.capture().catch(() => false);
      const key = contentKey(deps.tenantId, roots.get(runId) ?? runId, runId, index);
      const flag = capture;
      waiting.push(async () => putContent(deps.bucket, key, callContent(io, await flag)));
      pump();
    },
    flush() {
      if (active === 0 && waiting.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => {
          idle.delete(done);
          resolve();
        };
        idle.add(done);
      });
    },
  };
}
