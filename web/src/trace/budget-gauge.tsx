/**
 * The turn's budget from its latest `budget` frame: for calls, tokens and dollars what is spent (finished calls) and
 * what is reserved (calls in flight, slices leased to running children), each labelled, against the limit; and time.
 */
import type { BudgetState } from "./builder";
import { formatMs, formatTokens, formatUsd } from "./format";

function Meter(props: {
  label: string;
  used: number;
  reserved?: number;
  limit: number | null;
  format(n: number): string;
}) {
  const { used, limit } = props;
  const reserved = props.reserved ?? 0;
  const ratio = limit ? Math.min(1, used / limit) : 0;
  const level = ratio >= 0.9 ? "high" : ratio >= 0.6 ? "mid" : "low";
  return (
    <div className="meter">
      <span className="meter-label">{props.label}</span>
      {limit ? (
        <meter
          min={0}
          max={limit}
          value={Math.min(used, limit)}
          low={limit * 0.6}
          high={limit * 0.9}
          optimum={0}
          className={level}
        >
          {Math.round(ratio * 100)}%
        </meter>
      ) : (
        <span className="meter-unbounded" />
      )}
      <span className="meter-value" data-used={used} data-reserved={reserved}>
        {props.reserved === undefined ? props.format(used) : `${props.format(used)} spent`}
        {reserved > 0 ? ` · ${props.format(reserved)} reserved` : ""} / {limit ? props.format(limit) : "no limit"}
      </span>
    </div>
  );
}

/** The gauge; nothing until the turn's first budget frame. */
export function BudgetGauge({ budget }: { budget: BudgetState | null }) {
  if (!budget) return null;
  const { used, limits, reserved } = budget;
  const startedAt = budget.ts - budget.elapsedMs;
  const timeLimit = limits.deadline ? limits.deadline - startedAt : null;
  return (
    <section className="budget" aria-label="Budget">
      <Meter
        label="LLM calls"
        used={used.llmCalls}
        reserved={reserved?.llmCalls}
        limit={limits.llmCalls}
        format={String}
      />
      <Meter
        label="Tokens"
        used={used.tokens}
        reserved={reserved?.tokens}
        limit={limits.tokens}
        format={formatTokens}
      />
      <Meter label="Cost" used={used.costUsd} reserved={reserved?.costUsd} limit={limits.costUsd} format={formatUsd} />
      <Meter label="Time" used={budget.elapsedMs} limit={timeLimit} format={formatMs} />
    </section>
  );
}
