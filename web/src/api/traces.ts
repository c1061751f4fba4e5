/** Trace content loaded on demand: one step's messages and reply. */
import { api } from "./client";
import type { StepContent, TraceSearchResult } from "./types";

/** The content of step `index` of run `runId`; a 404 when none was kept. */
export function getStepContent(runId: string, index: number, signal?: AbortSignal): Promise<StepContent> {
  return api<StepContent>(`/v1/runs/${encodeURIComponent(runId)}/steps/${index}/content`, { signal });
}

/** Filters of a trace search; all optional. */
export interface TraceSearch {
  q?: string;
  kind?: string;
  errors?: boolean;
  depth?: number;
  model?: string;
}

/** Searches root run `runId`'s tree on the server (prompts, replies, code, output). */
export function searchTrace(runId: string, search: TraceSearch, signal?: AbortSignal): Promise<TraceSearchResult> {
  const params = new URLSearchParams();
  if (search.q) params.set("q", search.q);
  if (search.kind) params.set("kind", search.kind);
  if (search.errors) params.set("errors", "true");
  if (search.depth !== undefined) params.set("depth", String(search.depth));
  if (search.model) params.set("model", search.model);
  return api<TraceSearchResult>(`/v1/runs/${encodeURIComponent(runId)}/search?${params}`, { signal });
}
