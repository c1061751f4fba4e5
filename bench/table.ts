/** Small helpers shared by the benchmarks: statistics and Markdown tables. */

export function median(values: number[]): number {
  return percentile(values, 0.5);
}

/** The value at quantile `q` (nearest rank) of `values`. */
export function percentile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** `a / b` as `1.23x`. */
export function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(2)}x`;
}

/** A Markdown table; numbers are printed with three significant decimals. */
export function formatTable(header: string[], rows: Array<Array<string | number>>): string {
  const cell = (v: string | number) => (typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : v);
  const lines = [header, header.map(() => "---"), ...rows.map((r) => r.map(cell))];
  return lines.map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}
