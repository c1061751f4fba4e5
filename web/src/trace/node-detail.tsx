// biome-ignore-all lint/suspicious/noArrayIndexKey: an iteration's blocks are fixed once received
/** The selected node in full: what it is, its numbers, and its content (code, output with true length, answers). */
import { CodeBlock } from "../markdown/code-block";
import { CallContent } from "./call-content";
import { formatMs, formatTokens, formatUsd } from "./format";
import { nodeLatency, type TraceNode } from "./model";

interface Block {
  code?: string;
  output?: string;
  outputChars?: number;
  error?: string | null;
  ms?: number;
}

function text(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

function Field({ name, value }: { name: string; value: unknown }) {
  const shown = text(value);
  if (!shown) return null;
  return (
    <>
      <dt>{name}</dt>
      <dd className="pre-wrap">{shown}</dd>
    </>
  );
}

function IterationBlocks({ blocks }: { blocks: Block[] }) {
  return (
    <>
      {blocks.map((b, i) => {
        const shown = b.output?.length ?? 0;
        const truth = b.outputChars ?? shown;
        return (
          <section key={`block-${i}-${b.code?.length ?? 0}`} className="stack">
            <CodeBlock
              code={b.code ?? ""}
              lang="py"
              label={`repl block ${i + 1}${b.ms !== undefined ? ` · ${formatMs(b.ms)}` : ""}`}
            />
            <CodeBlock
              code={b.output ?? ""}
              label={`output · ${truth.toLocaleString()} chars${truth > shown ? ` (first ${shown.toLocaleString()} shown)` : ""}`}
            />
            {b.error && <p className="error-text">{b.error}</p>}
          </section>
        );
      })}
    </>
  );
}

/** The detail panel for `node`. */
export function NodeDetail({ node, now, made }: { node: TraceNode; now: number; made?: TraceNode[] }) {
  const d = node.detail;
  // What an iteration's code called: its batches and child runs by label (e.g. "llm_query_batched × 64").
  const subCalls = made?.filter((c) => c.kind !== "llm_call").map((c) => c.label);
  const outcome = (d.outcome ?? {}) as Record<string, unknown>;
  const result = (d.result ?? {}) as Record<string, unknown>;
  return (
    <section className="node-detail" aria-label="Selected trace node">
      <h3>{node.label}</h3>
      <dl className="facts">
        <Field name="Kind" value={node.kind} />
        <Field name="Status" value={node.status} />
        <Field name="Latency" value={formatMs(nodeLatency(node, now))} />
        {node.totals.calls > 0 && (
          <>
            <Field name="LLM calls" value={String(node.totals.calls)} />
            <Field
              name="Tokens"
              value={`${formatTokens(node.totals.promptTokens)} prompt + ${formatTokens(node.totals.completionTokens)} completion`}
            />
            <Field name="Cost" value={formatUsd(node.totals.costUsd)} />
          </>
        )}
        <Field name="Recursion depth" value={String(node.runDepth)} />
        <Field name="Model" value={d.model} />
        <Field name="Purpose" value={d.purpose} />
        <Field name="Cached tokens" value={d.cachedTokens} />
        <Field name="Finish reason" value={d.finishReason} />
        <Field name="Run" value={d.runId} />
        <Field name="Query" value={d.query} />
        <Field name="Message" value={node.kind === "agent" ? d.text : d.message} />
        <Field name="Arguments" value={d.arguments} />
        <Field name="Result" value={result.output} />
        <Field name="Answer" value={outcome.answer} />
        <Field name="End reason" value={outcome.endReason} />
        <Field name="Error" value={outcome.error ?? d.code} />
        <Field name="Iterations" value={outcome.iterations} />
      </dl>
      {node.kind === "reasoning" && <p className="pre-wrap">{text(d.text)}</p>}
      {node.kind === "llm_call" && typeof d.runId === "string" && typeof d.stepIndex === "number" && (
        <CallContent key={`${d.runId}/${d.stepIndex}`} runId={d.runId} index={d.stepIndex} />
      )}
      {node.kind === "iteration" && (
        <>
          {typeof d.response === "string" && d.response && (
            <details>
              <summary>Model response</summary>
              <p className="pre-wrap">{d.response}</p>
            </details>
          )}
          {Array.isArray(d.blocks) && <IterationBlocks blocks={d.blocks as Block[]} />}
          {subCalls && subCalls.length > 0 && (
            <p>
              <strong>Sub-calls made:</strong> {subCalls.join(", ")}
            </p>
          )}
          {d.final !== null && d.final !== undefined && (
            <p>
              <strong>Final answer:</strong> {text(d.final)}
            </p>
          )}
        </>
      )}
    </section>
  );
}
