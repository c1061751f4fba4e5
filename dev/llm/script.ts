import { z } from "zod";
import { DEFAULT_QUEUE } from "./models";
import type { Reply } from "./types";

const ToolCallInput = z.union([
  z.object({
    id: z.string().optional(),
    name: z.string().min(1),
    arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).default("{}"),
  }),
  z.object({
    id: z.string().optional(),
    type: z.literal("function").optional(),
    function: z.object({
      name: z.string().min(1),
      arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).default("{}"),
    }),
  }),
]);

/**
 * One scripted reply, as tests write it:
 * - a string: assistant text;
 * - `{content?, toolCalls?, refusal?, delayMs?, disconnectAfterChunks?}`: text and/or tool calls, or a refusal (`{name, arguments, id?}` or
 *   OpenAI's `{id, type, function:{name, arguments}}`; `arguments` may be an object); `delayMs` adds latency to this
 *   reply; `disconnectAfterChunks` drops a streamed reply's connection after that many chunks;
 * - `{error:{status, message?, type?, code?, param?, retryAfter?}}`: an HTTP error in OpenAI's shape.
 */
export const ScriptReplyInput = z.union([
  z.string(),
  z
    .object({
      error: z.object({
        status: z.number().int().min(400).max(599),
        message: z.string().optional(),
        type: z.string().optional(),
        code: z.string().nullable().optional(),
        param: z.string().nullable().optional(),
        retryAfter: z.number().nonnegative().optional(),
      }),
    })
    .strict(),
  z
    .object({
      content: z.string().nullable().optional(),
      toolCalls: z.array(ToolCallInput).optional(),
      tool_calls: z.array(ToolCallInput).optional(),
      refusal: z.string().min(1).optional(),
      delayMs: z.number().nonnegative().optional(),
      disconnectAfterChunks: z.number().int().nonnegative().optional(),
    })
    .strict(),
]);
export type ScriptReplyInput = z.input<typeof ScriptReplyInput>;

/** Body of `POST /__admin/script`: a bare array (default queue) or `{scriptId?, replies, replace?}`. */
export const ScriptRequest = z.union([
  z.array(ScriptReplyInput),
  z.object({
    scriptId: z.string().min(1).optional(),
    replies: z.array(ScriptReplyInput),
    replace: z.boolean().optional(),
  }),
]);

let callCounter = 0;

/** Converts a validated script entry to a reply. Tool calls without an id get `call_scripted_<n>`. */
export function toReply(input: z.output<typeof ScriptReplyInput>): Reply {
  if (typeof input === "string") return { kind: "message", content: input, toolCalls: [] };
  if ("error" in input) return { kind: "error", ...input.error };
  const calls = [...(input.toolCalls ?? []), ...(input.tool_calls ?? [])].map((c) => {
    const fn = "function" in c ? c.function : c;
    callCounter += 1;
    return {
      id: c.id ?? `call_scripted_${callCounter}`,
      name: fn.name,
      arguments: typeof fn.arguments === "string" ? fn.arguments : JSON.stringify(fn.arguments),
    };
  });
  return {
    kind: "message",
    content: input.content ?? (calls.length > 0 ? null : ""),
    toolCalls: calls,
    ...(input.refusal ? { refusal: input.refusal } : {}),
    delayMs: input.delayMs,
    disconnectAfterChunks: input.disconnectAfterChunks,
  };
}

/** Per-`scriptId` FIFO queues of replies. */
export class ScriptQueues {
  #queues = new Map<string, Reply[]>();

  /** Appends (or with `replace`, sets) replies; returns how many are now queued for `id`. */
  push(id: string | undefined, replies: Reply[], replace = false): number {
    const key = id ?? DEFAULT_QUEUE;
    const queue = replace ? [] : (this.#queues.get(key) ?? []);
    queue.push(...replies);
    this.#queues.set(key, queue);
    return queue.length;
  }

  /** Takes the next reply for `id`, or `undefined` when its queue is empty. */
  shift(id: string): Reply | undefined {
    const queue = this.#queues.get(id);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.#queues.delete(id);
    return next;
  }

  /** Replies left per queue. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.#queues.entries()].map(([k, v]) => [k, v.length]));
  }

  /** Empties every queue. */
  clear(): void {
    this.#queues.clear();
  }
}
