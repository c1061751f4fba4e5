import { describe, expect, it } from "vitest";
import { readSse, type SseMessage } from "./task-events";

/** A stream that delivers `text` cut into the given pieces, to test events split across chunks. */
function chunked(...pieces: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(encoder.encode(piece));
      controller.close();
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<SseMessage[]> {
  const out: SseMessage[] = [];
  for await (const message of readSse(stream)) out.push(message);
  return out;
}

describe("readSse", () => {
  it("reads events split anywhere across chunks, skipping comments", async () => {
    const text = ': live\n\nid: 1\nevent: rlm_started\ndata: {"seq":1}\n\nid: 2\nevent: budget\ndata: {"seq":2}\n\n';
    const expected = [
      { id: "1", event: "rlm_started", data: '{"seq":1}' },
      { id: "2", event: "budget", data: '{"seq":2}' },
    ];
    for (let cut = 1; cut < text.length; cut++) {
      expect(await collect(chunked(text.slice(0, cut), text.slice(cut)))).toEqual(expected);
    }
  });

  it("joins data lines, accepts CRLF and a field without a space, and drops an unterminated event", async () => {
    const events = await collect(chunked("data:a\r\ndata: b\r\n\r\nevent: x\n\ndata: never finished"));
    expect(events).toEqual([{ id: undefined, event: undefined, data: "a\nb" }]);
  });

  it("keeps a multi-byte character split between chunks", async () => {
    const bytes = new TextEncoder().encode("data: é\n\n");
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 7));
        controller.enqueue(bytes.slice(7));
        controller.close();
      },
    });
    expect(await collect(stream)).toEqual([{ id: undefined, event: undefined, data: "é" }]);
  });
});
