/**
 * What is kept of one model call's input and output: the messages sent (role and content) and the reply, each text
 * capped so one call never stores more than {@link CALL_CAP_CHARS}, with its true length kept. With capture off only
 * the sizes are kept. Pure: the R2 I/O is in `./store.ts`.
 */
import type { StepIo } from "../../rlm/ports";

/** At most this many characters of one call's texts are stored (about 256 KiB of ASCII before compression). */
export const CALL_CAP_CHARS = 256 * 1024;

/** One captured text: `text` is absent when capture was off; `chars` is always the true length. */
export interface CapturedText {
  text?: string;
  chars: number;
  truncated: boolean;
}

/** One call's stored content. */
export interface CallContent {
  v: 1;
  captured: boolean;
  messages: Array<{ role: string } & CapturedText>;
  reply: CapturedText | null;
  /** Tool calls the reply asked for (agent calls), as the provider sent them. */
  toolCalls?: unknown;
}

/** What a recorder step carries for capture: the messages sent and, when the call answered, the reply. */
export type CallIo = StepIo;

function asText(content: unknown): string {
  if (typeof content === "string") return content;
  if (content === null || content === undefined) return "";
  return JSON.stringify(content);
}

function cut(text: string, room: number, keep: boolean): CapturedText {
  const truncated = text.length > room;
  return keep
    ? { text: truncated ? text.slice(0, room) : text, chars: text.length, truncated }
    : { chars: text.length, truncated: false };
}

/**
 * Builds the stored record of a call. The reply gets up to half the cap first (it is what a user looks for), then the
 * messages from the last back (the newest is the one the call was about), each with what room is left.
 */
export function callContent(io: CallIo, capture: boolean): CallContent {
  const replyText = io.reply ? asText(io.reply.content) : null;
  let room = CALL_CAP_CHARS;
  let reply: CapturedText | null = null;
  if (replyText !== null) {
    reply = cut(replyText, Math.min(room, CALL_CAP_CHARS / 2), capture);
    room -= reply.text?.length ?? 0;
  }
  const messages: CallContent["messages"] = [];
  for (let i = io.messages.length - 1; i >= 0; i--) {
    const message = io.messages[i] as CallIo["messages"][number];
    const text = cut(asText(message.content), Math.max(0, room), capture);
    room -= text.text?.length ?? 0;
    messages.unshift({ role: message.role, ...text });
  }
  const toolCalls = capture && io.reply?.toolCalls ? { toolCalls: io.reply.toolCalls } : {};
  return { v: 1, captured: capture, messages, reply, ...toolCalls };
}

/** The texts of a record a search looks through. */
export function searchableTexts(content: CallContent): string[] {
  return [...content.messages.map((m) => m.text ?? ""), content.reply?.text ?? ""];
}
