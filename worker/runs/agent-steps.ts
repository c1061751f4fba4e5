/** The agent run's own trace: its events go live to the client and, for tool calls and results, into `run_steps`. */
import type { Emit } from "../agent/tool";
import type { RunRecorder } from "../rlm";

/** Wraps `emit` so the agent's events carry its run and its tool steps are stored with that run. */
export function agentStepEmitter(emit: Emit, recorder: Pick<RunRecorder, "step">, runId: string): Emit {
  return (event) => {
    emit({ runId, depth: 0, ...event });
    if (event.kind === "tool_call" || event.kind === "tool_result") {
      recorder.step(runId, { kind: event.kind === "tool_call" ? "tool_call" : "observation", data: event.data });
    }
  };
}
