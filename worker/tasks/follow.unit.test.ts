import { describe, expect, it } from "vitest";
import { isEndFrame, progressMessage, sseFrames } from "./follow";

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      controller.close();
    },
  });
}

describe("following a task's SSE stream", () => {
  it("yields each frame, across chunk boundaries, skipping comments", async () => {
    const a = { seq: 1, ts: 1, kind: "turn_started", data: {} };
    const b = { seq: 2, ts: 2, kind: "turn_completed", data: { answer: "42" } };
    const wire = `id: 1\nevent: turn_started\ndata: ${JSON.stringify(a)}\n\n: live\n\nid: 2\nevent: turn_completed\ndata: ${JSON.stringify(b)}\n\n`;
    const frames = [];
    for await (const f of sseFrames(streamOf([wire.slice(0, 17), wire.slice(17, 60), wire.slice(60)]))) frames.push(f);
    expect(frames).toEqual([a, b]);
  });

  it("knows the frames a task ends with", () => {
    const frame = (kind: string, data: Record<string, unknown> = {}) => ({ seq: 1, ts: 1, kind, data }) as never;
    expect(isEndFrame(frame("turn_completed"))).toBe(true);
    expect(isEndFrame(frame("cancelled"))).toBe(true);
    expect(isEndFrame(frame("error", { terminal: true }))).toBe(true);
    expect(isEndFrame(frame("error"))).toBe(false);
    expect(isEndFrame(frame("rlm_iteration"))).toBe(false);
  });

  it("describes steps for progress, never their content", () => {
    const frame = (kind: string, data: Record<string, unknown> = {}, depth = 0) =>
      ({ seq: 1, ts: 1, kind, depth, data }) as never;
    expect(progressMessage(frame("rlm_iteration", { iteration: 2, response: "secret" }, 1))).toBe(
      "iteration 2 (depth 1)",
    );
    expect(progressMessage(frame("tool_call", { name: "delegate_to_rlm", args: "secret" }))).toBe(
      "tool delegate_to_rlm",
    );
    expect(progressMessage(frame("assistant_delta", { text: "secret" }))).toBeNull();
  });
});
