/** Fans one recorder's callbacks out to several observers, e.g. live trace frames and the OTLP export. */
import type { RunRecorder } from "../rlm";

/**
 * One observer that tells each of `observers` (absent ones skipped) everything, in order; `flush` waits for all.
 * @example dbRecorder({ env, tenantId, observer: composeObservers(traceFrames(emit), otelObserver(env, { tenantId })) })
 */
export function composeObservers(...observers: Array<Partial<RunRecorder> | undefined>): Partial<RunRecorder> {
  const present = observers.filter((o): o is Partial<RunRecorder> => o !== undefined);
  return {
    started(run) {
      for (const o of present) o.started?.(run);
    },
    step(runId, step) {
      for (const o of present) o.step?.(runId, step);
    },
    ended(runId, outcome) {
      for (const o of present) o.ended?.(runId, outcome);
    },
    async flush() {
      await Promise.all(present.map((o) => o.flush?.()));
    },
  };
}
