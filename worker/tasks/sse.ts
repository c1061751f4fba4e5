/** Server-Sent Events framing of logged frames: `id` is the frame's `seq`, so `Last-Event-ID` resumes exactly. */
import type { ServerFrame } from "../contracts/session";

const encoder = new TextEncoder();

/** One SSE event; `data` is the frame's JSON on one line (JSON has no raw newlines). */
export function sseEvent(frame: ServerFrame, text: string): Uint8Array {
  return encoder.encode(`id: ${frame.seq}\nevent: ${frame.kind}\ndata: ${text}\n\n`);
}

/** A comment line: keeps proxies from closing an idle stream, ignored by clients. */
export function sseComment(text: string): Uint8Array {
  return encoder.encode(`: ${text}\n\n`);
}

/** Where to resume: `Last-Event-ID` (sent by browsers on reconnect) wins over an `after` query parameter. */
export function resumePoint(request: Request): number {
  const header = request.headers.get("last-event-id");
  const query = new URL(request.url).searchParams.get("after");
  for (const value of [header, query]) {
    if (value && /^\d+$/.test(value)) return Number(value);
  }
  return 0;
}
