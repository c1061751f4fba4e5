/**
 * Date helpers for the OOLONG generator and scorer: day arithmetic in UTC (so results never depend on the host time
 * zone), OOLONG's `Mon DD, YYYY` line format, and a small date reader standing in for Python's `dateutil.parser`.
 */

/** English month names, January first. */
export const MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
] as const;

const DAY_MS = 86_400_000;

/** The ISO date (`YYYY-MM-DD`) `days` days after `startIso`. */
export function addDays(startIso: string, days: number): string {
  return new Date(Date.parse(`${startIso}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `fromIso` to `toIso`. */
export function daysBetween(fromIso: string, toIso: string): number {
  return Math.round((Date.parse(`${toIso}T00:00:00Z`) - Date.parse(`${fromIso}T00:00:00Z`)) / DAY_MS);
}

/** `2023-01-06` as `Jan 06, 2023`, the date format of OOLONG context lines (reference §4.7). */
export function formatLineDate(iso: string): string {
  const [y, m, d] = iso.split("-");
  return `${MONTH_NAMES[Number(m) - 1]?.slice(0, 3)} ${d}, ${y}`;
}

/** `2023-03` as `March 2023`, the month-answer format of the timeline questions. */
export function formatMonth(yearMonth: string): string {
  const [y, m] = yearMonth.split("-");
  return `${MONTH_NAMES[Number(m) - 1]} ${y}`;
}

function monthIndex(word: string): number | undefined {
  const w = word.toLowerCase().replace(/\.$/, "");
  if (w.length < 3) return undefined;
  const i = MONTH_NAMES.findIndex((name) => name.toLowerCase().startsWith(w));
  return i < 0 ? undefined : i + 1;
}

function iso(y: number, m: number, d: number): string | undefined {
  const date = new Date(Date.UTC(y, m - 1, d));
  // Date.UTC rolls 02/30 over to 03/02; a rolled-over date is not the date that was written.
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return undefined;
  return date.toISOString().slice(0, 10);
}

/**
 * Reads a full calendar date in the formats models commonly write — `01/06/2023` (month first, as dateutil assumes),
 * `2023-01-06`, `Jan 6, 2023`, `January 6th 2023`, `6 January 2023` — and returns it as ISO, or `undefined`.
 * Unlike dateutil it never fills a missing day or year from today's date: such an answer is simply unreadable.
 */
export function parseDate(text: string): string | undefined {
  const t = text.trim().replace(/[.,]$/, "");
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+Z?)?$/.exec(t);
  if (m) return iso(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(t);
  if (m) return iso(Number(m[3]), Number(m[1]), Number(m[2]));
  m = /^([A-Za-z]+\.?)\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$/.exec(t);
  if (m) {
    const month = monthIndex(m[1] as string);
    return month === undefined ? undefined : iso(Number(m[3]), month, Number(m[2]));
  }
  m = /^(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+\.?),?\s+(\d{4})$/.exec(t);
  if (m) {
    const month = monthIndex(m[2] as string);
    return month === undefined ? undefined : iso(Number(m[3]), month, Number(m[1]));
  }
  return undefined;
}

type MonthPattern = [RegExp, (m: RegExpExecArray) => [year: number, month: number | undefined]];

const MONTH_PATTERNS: MonthPattern[] = [
  [/^([A-Za-z]+\.?),?\s+(\d{4})$/, (m) => [Number(m[2]), monthIndex(m[1] as string)]],
  [/^(\d{1,2})[/-](\d{4})$/, (m) => [Number(m[2]), Number(m[1])]],
  [/^(\d{4})-(\d{1,2})$/, (m) => [Number(m[1]), Number(m[2])]],
];

/** Reads a month of a year — `March 2023`, `Mar. 2023`, `03/2023`, `2023-03` — as `YYYY-MM`, or `undefined`. */
export function parseMonth(text: string): string | undefined {
  const t = text.trim().replace(/[.,]$/, "");
  for (const [pattern, read] of MONTH_PATTERNS) {
    const m = pattern.exec(t);
    if (!m) continue;
    const [year, month] = read(m);
    if (month === undefined || month < 1 || month > 12) return undefined;
    return `${year}-${String(month).padStart(2, "0")}`;
  }
  return undefined;
}
