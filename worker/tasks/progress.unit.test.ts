import { describe, expect, it } from "vitest";
import { ProgressTracker } from "./progress";

describe("task progress", () => {
  it("reports after the first step, then at most once per interval, with the latest budget", () => {
    const tracker = new ProgressTracker(1_000, 30_000);
    expect(tracker.observe({ seq: 1, kind: "turn_started", data: {} }, 1_100)).toBeNull();
    expect(tracker.observe({ seq: 2, kind: "budget", data: { used: { llmCalls: 1 } } }, 1_200)).toBeNull();
    expect(tracker.observe({ seq: 3, kind: "rlm_iteration", data: {} }, 1_300)).toEqual({
      lastEventSeq: 3,
      steps: 1,
      budget: { used: { llmCalls: 1 } },
      elapsedMs: 300,
    });
    expect(tracker.observe({ seq: 4, kind: "tool_result", data: {} }, 20_000)).toBeNull();
    expect(tracker.observe({ seq: 5, kind: "budget", data: { used: { llmCalls: 9 } } }, 25_000)).toBeNull();
    expect(tracker.observe({ seq: 6, kind: "rlm_iteration", data: {} }, 31_299)).toBeNull();
    expect(tracker.observe({ seq: 7, kind: "rlm_iteration", data: {} }, 31_300)).toEqual({
      lastEventSeq: 7,
      steps: 4,
      budget: { used: { llmCalls: 9 } },
      elapsedMs: 30_300,
    });
  });
});
