/**
 * A hand-written SVG line chart of score against context length (log scale), one line per task kind and method, in
 * the style of the RLM paper's Figure 1. No dependencies: the chart is a few dozen elements of string output.
 */
import { type CapabilityResults, kindName } from "./results";
import { formatLength } from "./suite";

const WIDTH = 760;
const HEIGHT = 420;
const MARGIN = { top: 48, right: 210, bottom: 64, left: 64 };
// Points are kept this far inside the frame, so a score of 0 or 100 and the shortest and longest lengths do not sit
// on the frame's lines.
const INSET = 24;
// Colour per task kind; the method is told apart by the dash pattern, so the chart also reads in greyscale.
const COLOURS = { sniah: "#1f77b4", oolong: "#d62728" } as const;

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

interface Series {
  label: string;
  colour: string;
  dashed: boolean;
  points: Array<{ length: number; score: number }>;
}

function seriesOf(results: CapabilityResults): Series[] {
  const out: Series[] = [];
  for (const kind of results.settings.kinds) {
    const rows = results.summary.filter((r) => r.kind === kind);
    for (const method of ["rlm", "baseline"] as const) {
      const points = rows.flatMap((r) =>
        r[method].score === null ? [] : [{ length: r.lengthTokens, score: (r[method].score as number) * 100 }],
      );
      out.push({
        label: `${kindName(kind)}, ${method === "rlm" ? "RLM task" : "long-context baseline"}`,
        colour: COLOURS[kind],
        dashed: method === "baseline",
        points,
      });
    }
  }
  return out;
}

/**
 * The chart as an SVG document. Lengths sit on a log2 axis; a series with no point at some length (a skipped
 * baseline) simply stops, and the legend says when a series has no points at all.
 */
export function scorePlotSvg(results: CapabilityResults): string {
  const lengths = [...new Set(results.summary.map((r) => r.lengthTokens))].sort((a, b) => a - b);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const logs = lengths.map(Math.log2);
  const [lo, hi] = [Math.min(...logs), Math.max(...logs)];
  // One length gets the middle of the axis rather than a division by zero.
  const innerW = plotW - 2 * INSET;
  const innerH = plotH - 2 * INSET;
  const x = (length: number) =>
    MARGIN.left + INSET + (hi === lo ? innerW / 2 : ((Math.log2(length) - lo) / (hi - lo)) * innerW);
  const y = (score: number) => MARGIN.top + INSET + innerH - (score / 100) * innerH;
  const f = (n: number) => n.toFixed(1);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${MARGIN.left}" y="24" font-size="15" font-weight="600">Score vs context length${escapeXml(
      results.model.kind === "scripted"
        ? " (scripted solver: plumbing check, not a model)"
        : ` (${results.model.planner})`,
    )}</text>`,
  ];
  for (const score of [0, 25, 50, 75, 100]) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${f(y(score))}" y2="${f(y(score))}" stroke="#e5e5e5"/>`,
      `<text x="${MARGIN.left - 8}" y="${f(y(score) + 4)}" text-anchor="end">${score}</text>`,
    );
  }
  for (const length of lengths) {
    parts.push(
      `<line x1="${f(x(length))}" x2="${f(x(length))}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH + 5}" stroke="#333"/>`,
      `<text x="${f(x(length))}" y="${MARGIN.top + plotH + 20}" text-anchor="middle">${formatLength(length)}</text>`,
    );
  }
  parts.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 20}" text-anchor="middle">context length (tokens ≈ characters / 4, log scale)</text>`,
    `<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">score (%)</text>`,
  );

  seriesOf(results).forEach((s, i) => {
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : "";
    const coords = s.points.map((p) => `${f(x(p.length))},${f(y(p.score))}`);
    if (coords.length > 1) {
      parts.push(`<polyline points="${coords.join(" ")}" fill="none" stroke="${s.colour}" stroke-width="2"${dash}/>`);
    }
    for (const p of s.points) {
      const fill = s.dashed ? "#fff" : s.colour;
      parts.push(
        `<circle cx="${f(x(p.length))}" cy="${f(y(p.score))}" r="4" fill="${fill}" stroke="${s.colour}" stroke-width="2"><title>${escapeXml(`${s.label} @ ${formatLength(p.length)}: ${p.score.toFixed(1)} %`)}</title></circle>`,
      );
    }
    const ly = MARGIN.top + 12 + i * 36;
    const lx = MARGIN.left + plotW + 16;
    const [name, method] = s.label.split(", ");
    parts.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${s.colour}" stroke-width="2"${dash}/>`,
      `<text x="${lx + 30}" y="${ly + 4}">${escapeXml(name ?? s.label)}</text>`,
      `<text x="${lx + 30}" y="${ly + 18}" fill="#555">${escapeXml(method ?? "")}${s.points.length ? "" : " — none run"}</text>`,
    );
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
