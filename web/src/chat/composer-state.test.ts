import { describe, expect, it } from "vitest";
import { type ComposerState, composerKey, loadComposerState, saveComposerState } from "./composer-state";

const fallback: ComposerState = { mode: "auto", documents: [], llmCalls: "42", costUsd: "" };

function memory(): Storage {
  const map = new Map<string, string>();
  return {
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
    clear: () => map.clear(),
    key: () => null,
    get length() {
      return map.size;
    },
  };
}

describe("composer state", () => {
  it("gives back what was stored per session, and the fallback elsewhere", () => {
    const storage = memory();
    const state: ComposerState = { mode: "rlm", documents: ["d1"], llmCalls: "7", costUsd: "0.5" };
    saveComposerState(storage, composerKey("s1"), state);
    expect(loadComposerState(storage, composerKey("s1"), fallback)).toEqual(state);
    expect(loadComposerState(storage, composerKey("s2"), fallback)).toEqual(fallback);
  });

  it("keeps the fallback for each field that is malformed, and for unreadable JSON", () => {
    const storage = memory();
    storage.setItem("k", JSON.stringify({ mode: "turbo", documents: [1], llmCalls: 9, costUsd: "1" }));
    expect(loadComposerState(storage, "k", fallback)).toEqual({ ...fallback, costUsd: "1" });
    storage.setItem("k", "{not json");
    expect(loadComposerState(storage, "k", fallback)).toEqual(fallback);
  });

  it("forgets quietly when the storage refuses", () => {
    const full = {
      setItem: () => {
        throw new Error("QuotaExceededError");
      },
    };
    expect(() => saveComposerState(full, "k", fallback)).not.toThrow();
  });
});
