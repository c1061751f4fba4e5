import { expect, it } from "vitest";
import { composeObservers } from "./compose";

it("tells every present observer everything, in order, and waits for all flushes", async () => {
  const seen: string[] = [];
  const observer = (name: string) => ({
    started: () => seen.push(`${name}:started`),
    step: () => seen.push(`${name}:step`),
    flush: async () => {
      seen.push(`${name}:flush`);
    },
  });
  const composed = composeObservers(observer("a"), undefined, observer("b"));
  composed.started?.({ runId: "r", parentRunId: null, rootRunId: "r", depth: 0, query: "q" });
  composed.step?.("r", { kind: "iteration", data: {} });
  composed.ended?.("r", {} as never);
  await composed.flush?.();
  expect(seen).toEqual(["a:started", "b:started", "a:step", "b:step", "a:flush", "b:flush"]);
});
