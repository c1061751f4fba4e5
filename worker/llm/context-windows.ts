/**
 * How many prompt tokens a model accepts, so a long run can fold its history before the provider refuses it. Pure
 * data and one lookup, matched like prices (a router prefix or a dated snapshot finds its family).
 */
import { findModelEntry } from "./pricing";

/**
 * Input windows as the providers publish them. GPT-5's 400K total keeps 128K for output, so its prompts get 272K;
 * the others share one window between input and output, and a run keeps room for the reply itself.
 */
export const CONTEXT_WINDOWS: Readonly<Record<string, number>> = {
  "gpt-5": 272_000,
  "gpt-5-mini": 272_000,
  "gpt-5-nano": 272_000,
  "gpt-4.1": 1_047_576,
  "gpt-4.1-mini": 1_047_576,
  "gpt-4.1-nano": 1_047_576,
  "gpt-4o": 128_000,
  "gpt-4o-mini": 128_000,
  o3: 200_000,
  "o4-mini": 200_000,
};

/** A model we know nothing about: 128K is what most current open and hosted chat models accept. */
export const DEFAULT_CONTEXT_WINDOW = 128_000;

/** The prompt window of `model` (the default for an unknown or unnamed one). */
export function contextWindowFor(model: string | undefined): number {
  return (model === undefined ? null : findModelEntry(CONTEXT_WINDOWS, model)) ?? DEFAULT_CONTEXT_WINDOW;
}
