/** The line that starts each page of a document read from a PDF, written by the reader and read by the agent's tools. */

/** The marker line for page `n` (1-based). */
export function pageMarker(n: number): string {
  return `--- page ${n} ---`;
}

const MARKER = /^--- page (\d+) ---$/;

/** The page a marker line starts, or null for any other line. */
export function pageOf(line: string): number | null {
  const match = MARKER.exec(line);
  return match ? Number(match[1]) : null;
}
