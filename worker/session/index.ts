/** The chat-session domain's public surface: the event log, the session's state, and its transcript. */
export { EventLog, type LoggedFrame, type NewFrame } from "./event-log";
export { SessionState } from "./session-state";
export { transcriptFileName, transcriptMarkdown } from "./transcript";
