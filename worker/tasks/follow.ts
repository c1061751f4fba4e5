/**
 * Following a task's frames as they are logged, for the doors that answer in the caller's own protocol (the
 * OpenAI-compatible endpoint, the MCP server): they read the task object's Server-Sent Events stream, the same one
 * `GET /v1/tasks/{id}/events` serves, and stop when it closes, which it does once the task has ended.
 */
import type { ServerFrame } from "../contracts/session";
import { getTaskStub } from "../durable/task-stub";

/** Frame kinds that end a task's stream. */
const END_KINDS = new Set(["turn_completed", "cancelled"]);

/** True for the frame a task's stream ends with (`error` frames end it only when marked terminal). */
export function isEndFrame(frame: ServerFrame): boolean {
  return END_KINDS.has(frame.kind) || (frame.kind === "error" && frame.data.terminal === true);
}

/** A progress message for a frame: what the run is doing, never its content. */
export function progressMessage(frame: ServerFrame): string | null {
  switch (frame.kind) {
    case "turn_started":
      return "started";
    case "rlm_started":
      return `RLM run started (depth ${frame.depth ?? 0})`;
    case "rlm_iteration":
      return `iteration ${String(frame.data.iteration ?? "")} (depth ${frame.depth ?? 0})`.replace("  ", " ");
    case "tool_call":
      return `tool ${String(frame.data.name ?? "")}`.trim();
    case "llm_call":
      return "model call";
    default:
      return null;
  }
}

/**
 * Yields the frames of an SSE body (`data:` lines holding one JSON frame each); comments and other fields are
 * skipped. Pure over the stream, so it tests in Node.
 */
export async function* sseFrames(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerFrame> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let buffered = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffered += decoder.decode(value, { stream: true });
      let end = buffered.indexOf("\n\n");
      while (end !== -1) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const data = block
          .split("\n")
          .filter((line) => line.startsWith("data:"))
          .map((line) => line.slice(line.startsWith("data: ") ? 6 : 5))
          .join("\n");
        if (data) yield JSON.parse(data) as ServerFrame;
        end = buffered.indexOf("\n\n");
      }
    }
  } finally {
    // Stopping early (the caller broke out) releases the task object's stream.
    await reader.cancel().catch(() => {});
  }
}

/**
 * Calls `onFrame` for each of the task's frames, from the first, until its stream ends (the task ended) or, at the
 * next frame, `signal` has aborted. The caller has already checked that the task is the tenant's.
 */
export async function followTask(
  env: Pick<Env, "TASKS">,
  taskId: string,
  onFrame: (frame: ServerFrame) => void | Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const res = await getTaskStub(env, taskId).fetch("https://task.internal/events");
  if (!res.body) return;
  for await (const frame of sseFrames(res.body)) {
    await onFrame(frame);
    if (signal?.aborted || isEndFrame(frame)) break;
  }
}
