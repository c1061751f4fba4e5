/** Trace content loaded on demand: one step's messages and reply. */
import { api } from "./client";
import type { StepContent } from "./types";

/** The content of step `index` of run `runId`; a 404 when none was kept. */
export function getStepContent(runId: string, index: number, signal?: AbortSignal): Promise<StepContent> {
  return api<StepContent>(`/v1/runs/${encodeURIComponent(runId)}/steps/${index}/content`, { signal });
}
