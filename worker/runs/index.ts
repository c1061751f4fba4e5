/**
 * Runs: the one place that starts, records, resumes and ends a run, whatever started it — a chat turn
 * ({@link runTurn}), a task or webhook, or a one-shot run ({@link executeTask}, hosted by the task object). The
 * engine in `rlm/` stays pure behind its ports; the adapters onto the budget object, the database and the live
 * event log live here.
 */
export { budgetPort } from "./budget-port";
export { type AcceptedTurn, acceptTurn, runTurn, type TurnEnd } from "./chat-turn";
export { dbRecorder } from "./db-recorder";
export { executeTask, type TaskEnd } from "./execute";
export { oneShotTask, type RunLaunch, type TaskLaunch } from "./launch";
export { DEFAULT_RUN_LIMITS, type RunModels, resolveLlm, resolveRunLlm } from "./resolve-llm";
