/**
 * Usage per day as a small hand-drawn SVG: stacked bars of prompt and completion tokens on the left axis, the day's
 * cost as a line on the right axis. Every day is a focusable group, so keyboard and pointer users get the same
 * readout; a table of the same numbers sits beside it for screen readers and for copying.
 */
import { type PointerEvent, useId, useState } from "react";
import type { UsageDay } from "../api/types";

/** The drawing's coordinate system; the SVG scales to its container's width. */
const WIDTH = 720;
const HEIGHT = 220;
const PAD = { top: 12, right: 56, bottom: 28, left: 56 };

/** A round axis maximum at or above `max`: 1, 2 or 5 times a power of ten. */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  const step = [1, 2, 5, 10].find((m) => m * power >= max) ?? 10;
  return step * power;
}

/** A count in a few characters: 1234567 → "1.2M". */
export function compact(n: number): string {
  return new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 }).format(n);
}

/** Dollars with sensible precision: 0.01234 → "$0.012", 12.3 → "$12.30". */
export function usd(n: number): string {
  if (n === 0) return "$0";
  return n < 1 ? `$${n.toPrecision(2)}` : `$${n.toFixed(2)}`;
}

function describe(d: UsageDay): string {
  return `${d.day}: ${compact(d.promptTokens)} prompt and ${compact(d.completionTokens)} completion tokens, ${d.llmCalls} LLM calls, ${usd(d.costUsd)}`;
}

/** The chart; `days` oldest first, as `GET /v1/usage` returns them. */
export function UsageChart({ days }: { days: UsageDay[] }) {
  const id = useId();
  const [active, setActive] = useState<number | null>(null);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const tokenMax = niceMax(Math.max(0, ...days.map((d) => d.promptTokens + d.completionTokens)));
  const costMax = niceMax(Math.max(0, ...days.map((d) => d.costUsd)));
  const slot = plotW / Math.max(1, days.length);
  const barW = Math.max(2, slot * 0.7);
  const y = (tokens: number) => PAD.top + plotH - (tokens / tokenMax) * plotH;
  const yCost = (cost: number) => PAD.top + plotH - (cost / costMax) * plotH;
  const x = (i: number) => PAD.left + i * slot + slot / 2;
  const costPath = days
    .map((d, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${yCost(d.costUsd).toFixed(1)}`)
    .join("");
  const labelEvery = Math.ceil(days.length / 8);
  const shown = active !== null ? days[active] : undefined;

  const onPointerMove = (event: PointerEvent<SVGSVGElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    const at = ((event.clientX - box.left) / box.width) * WIDTH;
    const i = Math.floor((at - PAD.left) / slot);
    setActive(i >= 0 && i < days.length ? i : null);
  };

  return (
    <figure className="usage-chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby={`${id}-title`}
        aria-describedby={`${id}-desc`}
        data-testid="usage-chart"
        onPointerMove={onPointerMove}
        onPointerLeave={() => setActive(null)}
      >
        <title id={`${id}-title`}>Tokens and cost per day</title>
        <desc id={`${id}-desc`}>
          Bars: prompt and completion tokens per day (left axis, up to {compact(tokenMax)}). Line: cost in USD (right
          axis, up to {usd(costMax)}). The day slider below reads out each day.
        </desc>
        {[0, 0.5, 1].map((f) => (
          <g key={f} className="grid">
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tokenMax * f)} y2={y(tokenMax * f)} />
            <text x={PAD.left - 6} y={y(tokenMax * f) + 4} textAnchor="end">
              {compact(tokenMax * f)}
            </text>
            <text x={WIDTH - PAD.right + 6} y={y(tokenMax * f) + 4} textAnchor="start">
              {usd(costMax * f)}
            </text>
          </g>
        ))}
        {days.map((d, i) => {
          const promptTop = y(d.promptTokens);
          const totalTop = y(d.promptTokens + d.completionTokens);
          return (
            <g key={d.day} className={`day${active === i ? " active" : ""}`} data-day={d.day}>
              <rect className="hit" x={x(i) - slot / 2} y={PAD.top} width={slot} height={plotH} />
              <rect
                className="bar prompt"
                x={x(i) - barW / 2}
                y={promptTop}
                width={barW}
                height={PAD.top + plotH - promptTop}
              />
              <rect
                className="bar completion"
                x={x(i) - barW / 2}
                y={totalTop}
                width={barW}
                height={promptTop - totalTop}
              />
              {i % labelEvery === 0 && (
                <text className="axis-label" x={x(i)} y={HEIGHT - 8} textAnchor="middle">
                  {d.day.slice(5)}
                </text>
              )}
            </g>
          );
        })}
        <path className="cost-line" d={costPath} />
        {days.map((d, i) => (
          <circle key={d.day} className="cost-dot" cx={x(i)} cy={yCost(d.costUsd)} r={active === i ? 4 : 2} />
        ))}
      </svg>
      <label className="row usage-slider">
        Day
        <input
          type="range"
          min={0}
          max={Math.max(0, days.length - 1)}
          value={active ?? days.length - 1}
          aria-valuetext={shown ? describe(shown) : days.at(-1) ? describe(days.at(-1) as UsageDay) : "no days"}
          onChange={(e) => setActive(Number(e.target.value))}
          onFocus={() => setActive(active ?? days.length - 1)}
        />
      </label>
      <figcaption className="row">
        <span className="legend prompt">Prompt tokens</span>
        <span className="legend completion">Completion tokens</span>
        <span className="legend cost">Cost (USD)</span>
        <span className="spacer" />
        <span aria-live="polite" className="muted usage-readout">
          {shown ? describe(shown) : "Point at a day, or use the Day slider, for its numbers."}
        </span>
      </figcaption>
    </figure>
  );
}
