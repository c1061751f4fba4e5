/**
 * The trace tree as a windowed list: the visible part of the flattened tree is all that is in the DOM, so a turn
 * with thousands of sub-calls scrolls as smoothly as one with ten. Keyboard: arrows move, Right/Left expand and
 * collapse (or step into/out of a node), Enter selects, Home/End jump. The list follows new rows while scrolled to
 * the bottom, as a terminal does.
 */
import { type KeyboardEvent, useEffect, useLayoutEffect, useRef, useState } from "react";
import { isExpanded } from "./flatten";
import { formatMs, formatTokens, formatUsd } from "./format";
import { nodeLatency, type TraceNode } from "./model";

/** One row's height in pixels; fixed, so the window is arithmetic rather than measurement. */
export const ROW_HEIGHT = 30;
/** Rows drawn beyond each edge of the viewport, so fast scrolling does not show blanks. */
const OVERSCAN = 10;

const STATUS_ICON: Record<TraceNode["status"], string> = { running: "◌", ok: "✓", failed: "✗", cancelled: "■" };

function Metrics({ node, now }: { node: TraceNode; now: number }) {
  const tokens = node.totals.promptTokens + node.totals.completionTokens;
  const ms = nodeLatency(node, now);
  return (
    <span className="node-metrics" data-calls={node.totals.calls}>
      <span title="latency" data-ms={ms}>
        {formatMs(ms)}
      </span>
      {node.totals.calls > 0 && (
        <>
          <span title={`${node.totals.promptTokens} prompt + ${node.totals.completionTokens} completion tokens`}>
            {formatTokens(tokens)} tok
          </span>
          <span title="cost">{formatUsd(node.totals.costUsd)}</span>
        </>
      )}
    </span>
  );
}

/** The tree; `rows` is the flattened visible tree (see `visibleRows`). */
export function TraceTree(props: {
  rows: TraceNode[];
  overrides: ReadonlyMap<string, boolean>;
  selectedId: string | null;
  now: number;
  onToggle(id: string, expanded: boolean): void;
  onSelect(id: string): void;
}) {
  const { rows } = props;
  const viewport = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const [active, setActive] = useState(0);
  const following = useRef(true);

  useEffect(() => {
    const el = viewport.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // Follow new rows while the user sits at the bottom.
  useLayoutEffect(() => {
    const el = viewport.current;
    if (el && following.current && rows.length * ROW_HEIGHT > el.clientHeight) {
      el.scrollTop = rows.length * ROW_HEIGHT;
    }
  }, [rows.length]);

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  const activeIndex = Math.min(active, rows.length - 1);
  const activeNode = rows[activeIndex];

  const focusRow = (index: number) => {
    const clamped = Math.max(0, Math.min(rows.length - 1, index));
    setActive(clamped);
    const el = viewport.current;
    if (!el) return;
    const top = clamped * ROW_HEIGHT;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW_HEIGHT - el.clientHeight;
  };

  // A node selected from elsewhere (a search hit) scrolls into view and becomes the active row.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a new selection moves the view, not new rows
  useEffect(() => {
    const index = rows.findIndex((n) => n.id === props.selectedId);
    if (index !== -1 && index !== activeIndex) focusRow(index);
  }, [props.selectedId]);

  const onKeyDown = (event: KeyboardEvent) => {
    if (!activeNode) return;
    const expanded = isExpanded(activeNode, props.overrides);
    const pageRows = Math.floor(height / ROW_HEIGHT);
    switch (event.key) {
      case "ArrowDown":
        focusRow(activeIndex + 1);
        break;
      case "ArrowUp":
        focusRow(activeIndex - 1);
        break;
      case "Home":
        focusRow(0);
        break;
      case "End":
        focusRow(rows.length - 1);
        break;
      case "PageDown":
        focusRow(activeIndex + pageRows);
        break;
      case "PageUp":
        focusRow(activeIndex - pageRows);
        break;
      case "ArrowRight":
        if (activeNode.children.length === 0) break;
        if (!expanded) props.onToggle(activeNode.id, true);
        else focusRow(activeIndex + 1);
        break;
      case "ArrowLeft":
        if (expanded && activeNode.children.length > 0) props.onToggle(activeNode.id, false);
        else focusRow(rows.findIndex((r) => r.id === activeNode.parentId));
        break;
      case "Enter":
      case " ":
        props.onSelect(activeNode.id);
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  return (
    <div
      ref={viewport}
      className="trace-tree"
      role="tree"
      aria-label="Execution trace"
      tabIndex={0}
      aria-activedescendant={activeNode ? `trace-row-${activeNode.id}` : undefined}
      onKeyDown={onKeyDown}
      onScroll={(e) => {
        const el = e.currentTarget;
        setScrollTop(el.scrollTop);
        following.current = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW_HEIGHT;
      }}
    >
      <div style={{ height: rows.length * ROW_HEIGHT, position: "relative" }}>
        {rows.slice(first, last).map((node, i) => {
          const index = first + i;
          const expanded = isExpanded(node, props.overrides);
          const hasChildren = node.children.length > 0;
          return (
            // biome-ignore lint/a11y/useFocusableInteractive: focus stays on the tree, which moves aria-activedescendant
            // biome-ignore lint/a11y/useKeyWithClickEvents: the tree's own onKeyDown handles the keyboard for every row
            <div
              key={node.id}
              id={`trace-row-${node.id}`}
              role="treeitem"
              aria-level={node.level + 1}
              aria-expanded={hasChildren ? expanded : undefined}
              aria-selected={node.id === props.selectedId}
              className={`trace-row kind-${node.kind} status-${node.status}${index === activeIndex ? " active" : ""}`}
              style={{ top: index * ROW_HEIGHT, height: ROW_HEIGHT, paddingLeft: 8 + node.level * 16 }}
              data-kind={node.kind}
              data-status={node.status}
              onClick={() => {
                setActive(index);
                props.onSelect(node.id);
              }}
            >
              <button
                type="button"
                className="caret"
                tabIndex={-1}
                aria-hidden="true"
                style={{ visibility: hasChildren ? "visible" : "hidden" }}
                onClick={(e) => {
                  e.stopPropagation();
                  props.onToggle(node.id, !expanded);
                }}
              >
                {expanded ? "▾" : "▸"}
              </button>
              <span className={`status-icon status-${node.status}`} role="img" aria-label={node.status}>
                {STATUS_ICON[node.status]}
              </span>
              <span className="node-label">{node.label}</span>
              <Metrics node={node} now={props.now} />
            </div>
          );
        })}
      </div>
    </div>
  );
}
