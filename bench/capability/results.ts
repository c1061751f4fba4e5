/**
 * The results of a capability run: one record per case (both ways of asking it), a summary per task kind and
 * length, and the Markdown table written beside the JSON.
 */
import { formatTable, median } from "../table";
import type { BaselineOutcome } from "./baseline";
import type { TaskOutcome, TaskUsage } from "./product";
import { type CapabilityKind, formatLength } from "./suite";

/** One case: what was asked, and how the RLM task and the baseline call answered. */
export interface CaseRecord {
  kind: CapabilityKind;
  lengthTokens: number;
  sample: number;
  seed: number;
  detail: string;
  expected: string;
  contextChars: number;
  rlm: TaskOutcome & { score: number };
  baseline: BaselineOutcome & { score?: number };
}

/** Means over the cases of one kind and length (wall time: median); `null` where nothing ran. */
export interface SummaryCell {
  /** Cases that produced an answer (failed ones score 0 and count here too); skipped ones do not. */
  ran: number;
  failed: number;
  skipped: number;
  /** Mean official score, 0–1. */
  score: number | null;
  costUsd: number | null;
  /** Mean prompt + completion tokens per case. */
  tokens: number | null;
  wallMs: number | null;
}

/** The summary of one task kind at one length. */
export interface SummaryRow {
  kind: CapabilityKind;
  lengthTokens: number;
  cases: number;
  rlm: SummaryCell;
  baseline: SummaryCell;
}

/** Which model answered: the stack's scripted solver, or a named model at an OpenAI-compatible endpoint. */
export interface ModelInfo {
  kind: "scripted" | "endpoint";
  /** Without credentials; absent for the scripted solver. */
  baseUrl?: string;
  planner: string;
  delegate: string;
}

/** The JSON file a run writes. */
export interface CapabilityResults {
  startedAt: string;
  finishedAt: string;
  model: ModelInfo;
  settings: {
    kinds: CapabilityKind[];
    lengths: number[];
    samples: number;
    seed: number;
    baselineMaxTokens: number;
  };
  /** Set when the numbers say nothing about a model (the scripted solver). */
  caveat: string | null;
  summary: SummaryRow[];
  cases: CaseRecord[];
}

/** The caveat printed with every scripted-solver run. */
export const SCRIPTED_CAVEAT =
  "Answered by the stack's scripted `solver` model, a rule-driven stand-in, not a language model: scores near 100 % " +
  "prove the plumbing (upload → task → REPL → sub-calls → answer → official scorer), not a model. A low score is " +
  "the solver's own limit — it recognises only some question wordings and labels OOLONG lines with a few keyword " +
  "rules — so read its answers in the JSON before blaming the product.";

const tokensOf = (u: TaskUsage | null) => (u ? u.promptTokens + u.completionTokens : 0);
const mean = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);

function rlmCell(records: CaseRecord[]): SummaryCell {
  return {
    ran: records.length,
    failed: records.filter((r) => r.rlm.status !== "completed").length,
    skipped: 0,
    score: mean(records.map((r) => r.rlm.score)),
    costUsd: mean(records.map((r) => r.rlm.usage?.costUsd ?? 0)),
    tokens: mean(records.map((r) => tokensOf(r.rlm.usage))),
    wallMs: records.length ? median(records.map((r) => r.rlm.wallMs)) : null,
  };
}

function baselineCell(records: CaseRecord[]): SummaryCell {
  const ran = records.filter((r) => r.baseline.status !== "skipped");
  const answered = ran.flatMap((r) => (r.baseline.status === "completed" ? [r.baseline] : []));
  return {
    ran: ran.length,
    failed: ran.length - answered.length,
    skipped: records.length - ran.length,
    score: mean(ran.map((r) => r.baseline.score ?? 0)),
    costUsd: mean(answered.map((b) => b.usage.costUsd)),
    tokens: mean(answered.map((b) => tokensOf(b.usage))),
    wallMs: answered.length ? median(answered.map((b) => b.wallMs)) : null,
  };
}

/** One row per kind and length, in the order the cases ran. */
export function summarize(records: CaseRecord[]): SummaryRow[] {
  const groups = new Map<string, CaseRecord[]>();
  for (const r of records) {
    const key = `${r.kind}/${r.lengthTokens}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0] as CaseRecord;
    return {
      kind: first.kind,
      lengthTokens: first.lengthTokens,
      cases: group.length,
      rlm: rlmCell(group),
      baseline: baselineCell(group),
    };
  });
}

const KIND_NAMES: Record<CapabilityKind, string> = { sniah: "S-NIAH", oolong: "OOLONG (counting)" };

/** Display name of a task kind. */
export function kindName(kind: CapabilityKind): string {
  return KIND_NAMES[kind];
}

const pct = (x: number | null) => (x === null ? "—" : `${(x * 100).toFixed(1)} %`);
const usd = (x: number | null) => (x === null ? "—" : `$${x.toFixed(4)}`);
const count = (x: number | null) => (x === null ? "—" : Math.round(x).toLocaleString("en-US"));
const seconds = (x: number | null) => (x === null ? "—" : (x / 1000).toFixed(1));
const failures = (c: SummaryCell) => (c.failed ? ` (${c.failed} failed)` : "");

/** The summary as a Markdown table: score, cost, tokens and wall time of the RLM task and of the baseline. */
export function summaryTable(rows: SummaryRow[]): string {
  return formatTable(
    [
      "task",
      "length",
      "n",
      "RLM score",
      "RLM $/task",
      "RLM tokens/task",
      "RLM wall s",
      "baseline score",
      "baseline $/call",
      "baseline tokens/call",
      "baseline wall s",
    ],
    rows.map((r) => {
      const b = r.baseline;
      const allSkipped = b.ran === 0 && b.skipped > 0;
      const skipped = b.skipped && !allSkipped ? ` (${b.skipped} skipped)` : "";
      return [
        kindName(r.kind),
        formatLength(r.lengthTokens),
        r.cases,
        pct(r.rlm.score) + failures(r.rlm),
        usd(r.rlm.costUsd),
        count(r.rlm.tokens),
        seconds(r.rlm.wallMs),
        allSkipped ? "skipped: exceeds window" : pct(b.score) + failures(b) + skipped,
        allSkipped ? "—" : usd(b.costUsd),
        allSkipped ? "—" : count(b.tokens),
        allSkipped ? "—" : seconds(b.wallMs),
      ];
    }),
  );
}

/** The Markdown report of a run: what answered, the caveat if any, the table and how to read it. */
export function resultsMarkdown(results: CapabilityResults): string {
  const m = results.model;
  const who =
    m.kind === "scripted"
      ? "the stack's scripted `solver` model (planner and delegate)"
      : `\`${m.planner}\` (planner) and \`${m.delegate}\` (delegate) at ${m.baseUrl}`;
  const lines = [
    "## Capability: S-NIAH and OOLONG through the product API",
    "",
    `Answered by ${who}; ${results.settings.samples} sample(s) per task and length, seed ${results.settings.seed}, ` +
      `${results.startedAt}.`,
    "",
  ];
  if (results.caveat) lines.push(`> **Not a model score.** ${results.caveat}`, "");
  lines.push(
    summaryTable(results.summary),
    "",
    "RLM: each context uploaded as a document and asked as an `rlm` task (`POST /v1/tasks`), polled to its end; " +
      "wall time from task creation to the poll that saw it end. Baseline: one chat completion with the whole " +
      `task in the prompt, straight to the endpoint; prompts over ${results.settings.baselineMaxTokens.toLocaleString("en-US")} ` +
      "approximate tokens (characters / 4) are skipped as exceeding the window. Scores are the official scorers' " +
      "(RULER `string_match_all`; OOLONG exact match with 0.75^|Δ| numeric credit), averaged over samples; a failed " +
      "task scores 0. Cost: the product's price table (0 for models it has no price for).",
  );
  return `${lines.join("\n")}\n`;
}
