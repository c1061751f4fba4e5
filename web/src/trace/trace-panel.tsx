/** The live execution trace of one turn: budget gauge, windowed tree, and the selected node's detail. */
import { useEffect, useMemo, useState } from "react";
import { BudgetGauge } from "./budget-gauge";
import type { TraceBuilder } from "./builder";
import { visibleRows } from "./flatten";
import { NodeDetail } from "./node-detail";
import { TraceSearch } from "./trace-search";
import { TraceTree } from "./trace-tree";

/** How often running latencies count up. */
const TICK_MS = 250;

/**
 * The time running nodes are measured against, re-rendering every tick while something runs. It starts fresh when a
 * run starts (a `now` kept from before the turn made new nodes' ages negative) and never falls behind the latest
 * server time seen, since a client clock may lag the server's.
 */
function useNow(running: boolean, serverTs: number): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (!running) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), TICK_MS);
    return () => clearInterval(timer);
  }, [running]);
  return Math.max(running ? now : Date.now(), serverTs);
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
  const now = useNow(root?.status === "running", trace.lastTs);
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

  // A search hit opens its node: every ancestor expanded, the node selected (the tree scrolls to it).
  const openStep = (runId: string, index: number) => {
    const node = trace.stepNode(runId, index);
    if (!node) return;
    setOverrides((prev) => {
      const next = new Map(prev);
      for (let id = node.parentId; id; id = trace.nodes.get(id)?.parentId ?? null) next.set(id, true);
      return next;
    });
    setSelectedId(node.id);
  };

  return (
    <section className="trace-panel" aria-label="Execution trace">
      <header className="trace-header">
        <h2>Trace</h2>
        <span
          className="muted"
          data-testid="event-counter"
          data-applied={props.applied}
          data-last-seq={props.lastSeq}
          title={`${props.applied} of the session's events applied (last seq ${props.lastSeq})`}
        >
          {turn ? `${turn.frames} events in this turn` : "no events yet"}
          {props.applied === props.lastSeq ? "" : " (catching up)"}
        </span>
      </header>
      {!turn ? (
        <p className="muted">
          The trace of a turn appears here as it runs: agent, tool calls, RLM iterations, LLM calls.
        </p>
      ) : (
        <>
          <BudgetGauge budget={turn.budget} />
          <TraceSearch runId={turn.rootId} onOpen={(hit) => openStep(hit.runId, hit.index)} />
          <TraceTree
            rows={rows}
            overrides={overrides}
            selectedId={selectedId}
            now={now}
            onToggle={toggle}
            onSelect={setSelectedId}
          />
          {selected ? (
            <NodeDetail node={selected} now={now} made={selected.children.flatMap((id) => trace.nodes.get(id) ?? [])} />
          ) : (
            <p className="muted">Select a node (click, or arrows and Enter) to see its code, output and numbers.</p>
          )}
        </>
      )}
    </section>
  );
}
