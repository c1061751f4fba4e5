/** Prompt windows by model name. */
import { expect, it } from "vitest";
import { CONTEXT_WINDOWS, contextWindowFor, DEFAULT_CONTEXT_WINDOW } from "./context-windows";

it("finds a model's window by family, router prefix or snapshot, and falls back for unknown models", () => {
  expect(contextWindowFor("gpt-5")).toBe(CONTEXT_WINDOWS["gpt-5"]);
  expect(contextWindowFor("openai/gpt-4.1-mini")).toBe(1_047_576);
  expect(contextWindowFor("gpt-4o-mini-2024-07-18")).toBe(128_000);
  expect(contextWindowFor("o4-mini-2025-04-16")).toBe(200_000);
  expect(contextWindowFor("mystery-model")).toBe(DEFAULT_CONTEXT_WINDOW);
  expect(contextWindowFor(undefined)).toBe(DEFAULT_CONTEXT_WINDOW);
});
