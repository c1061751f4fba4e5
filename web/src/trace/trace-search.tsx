/**
 * Search and filters over a turn's trace, answered by the server (it holds every call's prompt and reply): text, step
 * kind, errors only, depth. Each hit names where it matched and jumps to its node in the tree.
 */
import { type FormEvent, useState } from "react";
import { isApiError } from "../api/client";
import { searchTrace } from "../api/traces";
import type { TraceSearchResult } from "../api/types";

type Hit = TraceSearchResult["hits"][number];

/** The search form and its hits for root run `runId`; `onOpen` selects a hit's node. */
export function TraceSearch({ runId, onOpen }: { runId: string; onOpen(hit: Hit): void }) {
  const [q, setQ] = useState("");
  const [kind, setKind] = useState("");
  const [errors, setErrors] = useState(false);
  const [depth, setDepth] = useState("");
  const [result, setResult] = useState<TraceSearchResult | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      setResult(
        await searchTrace(runId, { q: q.trim(), kind, errors, depth: depth === "" ? undefined : Number(depth) }),
      );
    } catch (err) {
      setResult(null);
      setProblem(isApiError(err) ? err.message : "The search failed");
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="trace-search" aria-label="Search the trace">
      <form onSubmit={(e) => void submit(e)} className="trace-search-form">
        <input
          type="search"
          aria-label="Search prompts, replies, code and output"
          placeholder="Search prompts, replies, code, output"
          value={q}
          onChange={(e) => setQ(e.target.value)}
        />
        <select aria-label="Step kind" value={kind} onChange={(e) => setKind(e.target.value)}>
          <option value="">any step</option>
          <option value="llm_call">LLM calls</option>
          <option value="iteration">iterations</option>
          <option value="tool_call">tool calls</option>
        </select>
        <select aria-label="Depth" value={depth} onChange={(e) => setDepth(e.target.value)}>
          <option value="">any depth</option>
          {[0, 1, 2, 3].map((d) => (
            <option key={d} value={d}>
              depth {d}
            </option>
          ))}
        </select>
        <label>
          <input type="checkbox" checked={errors} onChange={(e) => setErrors(e.target.checked)} /> errors only
        </label>
        <button type="submit" disabled={busy}>
          {busy ? "Searching…" : "Search"}
        </button>
      </form>
      {problem && <p className="error-text">{problem}</p>}
      {result && (
        <ol className="search-hits" aria-label="Search hits">
          {result.hits.length === 0 && <li className="muted">No step matches.</li>}
          {result.hits.map((hit) => (
            <li key={`${hit.runId}/${hit.index}`}>
              <button type="button" className="link" onClick={() => onOpen(hit)}>
                {hit.kind === "llm_call" ? `LLM ${hit.purpose ?? "call"}` : hit.kind} · depth {hit.depth} · step{" "}
                {hit.index}
                {hit.field ? ` · ${hit.field}` : ""}
              </button>
              {hit.snippet && <span className="muted search-snippet">{hit.snippet}</span>}
            </li>
          ))}
          {result.truncated && <li className="muted">More steps match: narrow the search.</li>}
        </ol>
      )}
    </section>
  );
}
