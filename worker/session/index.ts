/** The chat-session domain's public surface: the event log, the turn, and the pieces headless tasks reuse. */
export { meteredAgentLlm } from "./agent-llm";
export { agentStepEmitter } from "./agent-steps";
export { EventLog, type LoggedFrame, type NewFrame } from "./event-log";
export { rlmDelegator } from "./rlm-delegator";
export { SessionState } from "./session-state";
export { traceFrames } from "./trace-frames";
export { transcriptFileName, transcriptMarkdown } from "./transcript";
export { acceptTurn, runTurn, type TurnEnd } from "./turn";
