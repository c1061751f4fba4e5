import { expect, it } from "vitest";
import { contentObserver } from "./observer";
import type { ContentBucket } from "./store";

it("keys each call's content by its step index in its run, under the tree's root, and flush waits for the writes", async () => {
  const puts: string[] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  // SAFETY: the observer only calls put.
  const bucket = {
    put: async (key: string) => {
      await gate;
      puts.push(key);
      return null;
    },
  } as unknown as ContentBucket;
  const observer = contentObserver({ bucket, tenantId: "t1", capture: async () => true });
  observer.started?.({ runId: "child", parentRunId: "root", rootRunId: "root", depth: 1, query: "q" });
  observer.step?.("root", { kind: "tool_call", data: {} });
  observer.step?.("root", { kind: "llm_call", data: {}, io: { messages: [{ role: "user", content: "a" }] } });
  observer.step?.("child", { kind: "iteration", data: {} });
  observer.step?.("child", { kind: "llm_call", data: {}, io: { messages: [], reply: { content: "b" } } });
  let flushed = false;
  const flushing = observer.flush?.().then(() => {
    flushed = true;
  });
  await Promise.resolve();
  expect(flushed).toBe(false);
  release();
  await flushing;
  expect(puts.sort()).toEqual(["trace/t1/root/child/1.json.gz", "trace/t1/root/root/1.json.gz"]);
});
