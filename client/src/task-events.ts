/**
 * Following a task as Server-Sent Events (`GET /v1/tasks/{id}/events`) to its end. The description can say only
 * that the route answers `text/event-stream`; this reads the events, resumes after a dropped connection from the last
 * event seen (`?after=`, which the server treats as `Last-Event-ID`), and stops when the task has ended.
 */
import { FleetApiError, type FleetClient, orThrow } from "./client";
import type { components } from "./schema";

/** One event of a task: the frame its run logged, with a gapless `seq`. */
export type TaskEvent = components["schemas"]["SessionEvent"];
/** A task as `GET /v1/tasks/{id}` answers. */
export type Task = components["schemas"]["Task"];

/** One Server-Sent Event (WHATWG HTML §9.2): its `id`, `event` name and `data` (data lines joined by "\n"). */
export interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

const TERMINAL: ReadonlySet<Task["status"]> = new Set(["completed", "failed", "cancelled"]);

/**
 * Reconnections in a row that bring no new event before giving up: the server closes the stream only when the task
 * ends or its host restarts, so several empty reconnections mean the task's state is not what its stream says.
 */
const MAX_IDLE_RECONNECTS = 5;
/** Pause before reconnecting, so a host that is restarting has a moment to come back. */
const RECONNECT_DELAY_MS = 500;

/** Parses an event stream; comments (`: live`) and events without data are skipped, as a browser's EventSource does. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let buffer = "";
  let message: { id?: string; event?: string; data: string[] } = { data: [] };
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      const lines = buffer.split(/\r\n|\r|\n/);
      // The last piece may be half a line; a lone "\r" at the end might be half of "\r\n", so it waits too.
      buffer = done ? "" : (lines.pop() ?? "");
      for (const line of lines) {
        if (line === "") {
          if (message.data.length) yield { id: message.id, event: message.event, data: message.data.join("\n") };
          message = { data: [] };
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "data") message.data.push(value);
        else if (field === "id") message.id = value;
        else if (field === "event") message.event = value;
      }
      if (done) return;
    }
  } finally {
    reader.releaseLock();
  }
}

/** Options of {@link followTask}. */
export interface FollowOptions {
  /** Start after this `seq` (0: from the first event). */
  after?: number;
  /** Called with each event in order, each exactly once across reconnections. */
  onEvent?: (event: TaskEvent) => void;
  signal?: AbortSignal;
}

/**
 * Follows a task's events until it has ended, and returns the ended task (status, answer, usage, error).
 * @throws {FleetApiError} when the task cannot be read (404 for an unknown id or another tenant's), or when its
 *   stream keeps closing without news while the task still claims to run.
 * @example
 * const task = await followTask(api, id, { onEvent: (e) => console.log(e.seq, e.kind) });
 */
export async function followTask(client: FleetClient, taskId: string, options: FollowOptions = {}): Promise<Task> {
  let after = options.after ?? 0;
  let idle = 0;
  for (;;) {
    const before = after;
    const result = await client.GET("/v1/tasks/{id}/events", {
      params: { path: { id: taskId }, query: after ? { after } : {} },
      parseAs: "stream",
      signal: options.signal,
    });
    const stream = orThrow(result);
    try {
      for await (const message of stream ? readSse(stream) : []) {
        // SAFETY: the server writes each frame as the JSON of a `SessionEvent` (worker/tasks/sse.ts).
        const event = JSON.parse(message.data) as TaskEvent;
        if (event.seq !== null && event.seq <= after) continue;
        if (event.seq !== null) after = event.seq;
        options.onEvent?.(event);
      }
    } catch (err) {
      // A dropped connection ends this stream only; the task is read below and the stream resumed if it still runs.
      if (options.signal?.aborted) throw err;
    }
    const task = orThrow(
      await client.GET("/v1/tasks/{id}", { params: { path: { id: taskId } }, signal: options.signal }),
    );
    if (TERMINAL.has(task.status)) return task;
    idle = after === before ? idle + 1 : 0;
    if (idle > MAX_IDLE_RECONNECTS) {
      throw new FleetApiError(502, {
        error: { code: "stream_stalled", message: `task ${taskId} is ${task.status} but its event stream has no news` },
      });
    }
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAY_MS));
  }
}
