/** The live execution trace of one turn: budget gauge, windowed tree, and the selected node's detail. */
import { useEffect, useMemo, useState } from "react";
import { BudgetGauge } from "./budget-gauge";
import type { TraceBuilder } from "./builder";
import { visibleRows } from "./flatten";
import { NodeDetail } from "./node-detail";
import { TraceTree } from "./trace-tree";

/** Re-renders every second while something runs, so running latencies count up. */
function useNow(running: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [running]);
  return running ? now : Date.now();
}

/** The panel for turn `turnId` of `trace`; `version` changes whenever the trace grew. */
export function TracePanel(props: {
  trace: TraceBuilder;
  turnId: string | null;
  version: number;
  applied: number;
  lastSeq: number;
}) {
  const { trace } = props;
  const turn = props.turnId ? trace.turn(props.turnId) : trace.turns.at(-1);
  const [overrides, setOverrides] = useState<Map<string, boolean>>(() => new Map());
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const root = turn ? trace.nodes.get(turn.rootId) : undefined;
  const now = useNow(root?.status === "running");
  // biome-ignore lint/correctness/useExhaustiveDependencies: the builder mutates in place; version says when
  const rows = useMemo(
    () => (turn ? visibleRows(trace.nodes, turn.rootId, overrides) : []),
    [trace, turn, overrides, props.version],
  );
  const selected = selectedId ? trace.nodes.get(selectedId) : undefined;

  const toggle = (id: string, expanded: boolean) =>
    setOverrides((prev) => {
      const next = new Map(prev);
      next.set(id, expanded);
      return next;
    });

  return (
    <section className="trace-panel" aria-label="Execution trace">
      <header className="trace-header">
        <h2>Trace</h2>
        <span className="muted" data-testid="event-counter" data-applied={props.applied} data-last-seq={props.lastSeq}>
          {props.applied} events{props.applied === props.lastSeq ? "" : ` (last seq ${props.lastSeq})`}
        </span>
      </header>
      {!turn ? (
        <p className="muted">
          The trace of a turn appears here as it runs: agent, tool calls, RLM iterations, LLM calls.
        </p>
      ) : (
        <>
          <BudgetGauge budget={turn.budget} />
          <TraceTree
            rows={rows}
            overrides={overrides}
            selectedId={selectedId}
            now={now}
            onToggle={toggle}
            onSelect={setSelectedId}
          />
          {selected ? (
            <NodeDetail node={selected} now={now} />
          ) : (
            <p className="muted">Select a node (click, or arrows and Enter) to see its code, output and numbers.</p>
          )}
        </>
      )}
    </section>
  );
}
