/**
 * Search and filter over one run tree's steps: full text (case-insensitive) over iteration code, output and model
 * response, and over each LLM call's kept messages and reply; filters by step kind, errors only, model and depth.
 * Pure apart from `loadContent`, which fetches a call's content only for the calls that pass the filters.
 */
import type { RunTraceNode } from "../contracts/trace";
import { mapWithConcurrency } from "../rlm/concurrency";
import type { CallContent } from "./content/record";

/** Content reads in flight at once: a 10,000-call tree is read in bounded waves, not all at once. */
const CONTENT_READS = 16;
/** Characters of context on each side of a match in a hit's snippet. */
const SNIPPET_CONTEXT = 60;

export interface TraceSearchFilters {
  q?: string;
  kind?: string;
  errors?: boolean;
  model?: string;
  depth?: number;
}

export interface TraceSearchHit {
  runId: string;
  depth: number;
  index: number;
  kind: string;
  model: string | null;
  purpose: string | null;
  error: boolean;
  /** Where the text matched: `reply`, `message:<role>`, `code`, `output`, `response`; null without a query. */
  field: string | null;
  snippet: string | null;
}

type Step = RunTraceNode["steps"][number];

function str(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function failed(step: Step): boolean {
  if (step.data.error) return true;
  const blocks = Array.isArray(step.data.blocks) ? (step.data.blocks as Array<Record<string, unknown>>) : [];
  return blocks.some((b) => Boolean(b.error));
}

function snippet(text: string, at: number, length: number): string {
  const start = Math.max(0, at - SNIPPET_CONTEXT);
  const end = Math.min(text.length, at + length + SNIPPET_CONTEXT);
  return `${start > 0 ? "…" : ""}${text.slice(start, end)}${end < text.length ? "…" : ""}`;
}

/** The step's own searchable texts (iterations keep their code and output in the step itself). */
function stepTexts(step: Step): Array<[string, string]> {
  if (step.kind !== "iteration") return [];
  const texts: Array<[string, string]> = [];
  const blocks = Array.isArray(step.data.blocks) ? (step.data.blocks as Array<Record<string, unknown>>) : [];
  for (const b of blocks) {
    const code = str(b.code);
    const output = str(b.output);
    if (code) texts.push(["code", code]);
    if (output) texts.push(["output", output]);
  }
  // The response holds the code too; a match in the code is the more precise place to name.
  const response = str(step.data.response);
  if (response) texts.push(["response", response]);
  return texts;
}

function contentTexts(content: CallContent | null): Array<[string, string]> {
  if (!content) return [];
  const texts: Array<[string, string]> = [];
  if (content.reply?.text) texts.push(["reply", content.reply.text]);
  for (const m of content.messages) if (m.text) texts.push([`message:${m.role}`, m.text]);
  return texts;
}

/** Every step of the tree that passes the filters and (with `q`) matches, up to `limit`, in tree order. */
export async function searchTrace(
  root: RunTraceNode,
  filters: TraceSearchFilters,
  loadContent: (runId: string, index: number) => Promise<CallContent | null>,
  limit: number,
): Promise<{ hits: TraceSearchHit[]; truncated: boolean }> {
  const candidates: Array<{ run: RunTraceNode; step: Step }> = [];
  const walk = (run: RunTraceNode) => {
    if (filters.depth === undefined || run.depth === filters.depth) {
      for (const step of run.steps) {
        if (filters.kind && step.kind !== filters.kind) continue;
        if (filters.errors && !failed(step)) continue;
        if (filters.model && str(step.data.model) !== filters.model && str(step.data.requestModel) !== filters.model)
          continue;
        candidates.push({ run, step });
      }
    }
    for (const child of run.children) walk(child);
  };
  walk(root);
  const needle = filters.q?.toLowerCase() ?? "";
  const matched = await mapWithConcurrency(candidates, CONTENT_READS, async ({ run, step }) => {
    if (!needle) return { run, step, field: null, snippet: null };
    const texts = stepTexts(step);
    if (step.kind === "llm_call") texts.push(...contentTexts(await loadContent(run.id, step.index)));
    for (const [field, text] of texts) {
      const at = text.toLowerCase().indexOf(needle);
      if (at !== -1) return { run, step, field, snippet: snippet(text, at, needle.length) };
    }
    return null;
  });
  const hits = matched.flatMap((m) =>
    m
      ? [
          {
            runId: m.run.id,
            depth: m.run.depth,
            index: m.step.index,
            kind: m.step.kind,
            model: str(m.step.data.model) ?? str(m.step.data.requestModel),
            purpose: str(m.step.data.purpose),
            error: failed(m.step),
            field: m.field,
            snippet: m.snippet,
          },
        ]
      : [],
  );
  return { hits: hits.slice(0, limit), truncated: hits.length > limit };
}
