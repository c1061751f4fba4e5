import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createFleetClient } from "./client";
import { followTask, readSse, type SseMessage } from "./task-events";

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

/** A fake API: each events request answers the next stream script; task reads answer the next status. */
function fakeApi(streams: string[], statuses: string[]) {
  const eventRequests: string[] = [];
  const fetch: typeof globalThis.fetch = async (input) => {
    const url = new URL((input as Request).url);
    if (url.pathname.endsWith("/events")) {
      eventRequests.push(url.search);
      return new Response(streams.shift() ?? "", { headers: { "content-type": "text/event-stream" } });
    }
    const status = statuses.shift() ?? "running";
    return Response.json({ id: "t1", status, answer: status === "completed" ? "42" : null });
  };
  return { client: createFleetClient({ baseUrl: "http://api.test", fetch }), eventRequests };
}

const frame = (seq: number) => `id: ${seq}\nevent: budget\ndata: {"seq":${seq},"ts":0,"kind":"budget","data":{}}\n\n`;

describe("followTask", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("resumes after the last event when the stream ends before the task, and returns the ended task", async () => {
    const { client, eventRequests } = fakeApi([frame(1) + frame(2), frame(2) + frame(3)], ["running", "completed"]);
    const seen: number[] = [];
    const done = followTask(client, "t1", { onEvent: (e) => seen.push(e.seq ?? 0) });
    await vi.runAllTimersAsync();
    expect(await done).toMatchObject({ status: "completed", answer: "42" });
    expect(seen).toEqual([1, 2, 3]);
    expect(eventRequests).toEqual(["", "?after=2"]);
  });

  it("gives up when the stream keeps closing with no news while the task claims to run", async () => {
    const { client, eventRequests } = fakeApi([], []);
    const failed = followTask(client, "t1").catch((e: unknown) => e);
    await vi.runAllTimersAsync();
    expect(await failed).toMatchObject({ code: "stream_stalled" });
    // The first connection and five reconnections that brought nothing.
    expect(eventRequests.length).toBe(6);
  });
});
