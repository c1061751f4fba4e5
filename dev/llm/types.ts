/**
 * Shared shapes of the scripted LLM server: a normalised chat request and the replies the script queue, the solver
 * and the fault injector produce. Wire formats (OpenAI JSON and SSE) are built from these in `protocol.ts`/`sse.ts`.
 */

/** Message roles accepted on `POST /v1/chat/completions`. */
export type Role = "system" | "developer" | "user" | "assistant" | "tool" | "function";

/** One function call carried by an assistant reply (OpenAI `tool_calls[]`, flattened). */
export interface ToolCall {
  id: string;
  name: string;
  /** JSON text, exactly as OpenAI sends it. */
  arguments: string;
}

/** A chat message with its content flattened to text (array content parts are joined). */
export interface ChatMessage {
  role: Role;
  content: string;
  name?: string;
  toolCalls?: ToolCall[];
  toolCallId?: string;
}

/** A function tool offered by the caller. */
export interface ToolDef {
  name: string;
  description?: string;
  /** JSON schema of the arguments, as sent. */
  parameters?: Record<string, unknown>;
}

/** `tool_choice`, normalised. */
export type ToolChoice =
  | { kind: "auto" }
  | { kind: "none" }
  | { kind: "required" }
  | { kind: "function"; name: string };

/** A validated `POST /v1/chat/completions` body. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream: boolean;
  includeUsage: boolean;
  tools: ToolDef[];
  toolChoice: ToolChoice;
  /** `max_completion_tokens ?? max_tokens`. */
  maxTokens?: number;
  stop: string[];
}

/** An assistant message to send back. */
export interface MessageReply {
  kind: "message";
  content: string | null;
  toolCalls: ToolCall[];
  /** The model declines (OpenAI's `message.refusal`): sent instead of content, which is then `null`. */
  refusal?: string;
  /** Extra delay before this reply, on top of the configured latency. */
  delayMs?: number;
  /** Streaming only: drop the connection after this many chunks, to simulate a broken stream. */
  disconnectAfterChunks?: number;
}

/** An HTTP error to send back in OpenAI's error shape. */
export interface ErrorReply {
  kind: "error";
  status: number;
  message?: string;
  type?: string;
  code?: string | null;
  param?: string | null;
  /** Seconds, sent as `retry-after` (and `retry-after-ms`). */
  retryAfter?: number;
  /** Sent as `location` (a redirect fault). */
  location?: string;
}

/** What a request is answered with. */
export type Reply = MessageReply | ErrorReply;

/** Which behaviour answers a request. */
export type Mode = "script" | "solver";
