/**
 * Reading OOLONG-style data lines (`Date: … || User: … || Instance: … [|| Label: …]`) the way the solver's sub-model
 * does: an explicit `Label:` field wins; otherwise the instance (a TREC question) is classified by a few keyword
 * rules, so unlabelled windows work too and a generator can know the "true" label the sub-model will give.
 */

/** One parsed data line. */
export interface DataLine {
  date?: string;
  user?: string;
  instance: string;
  /** Lower case. */
  label: string;
}

/**
 * Heuristic TREC-coarse classifier, in rule order: abbreviation ("stand for", "abbreviation", "acronym"); human being
 * ("who…", "what person/man/woman…"); location ("where…", "what country/city/state/…"); numeric value ("how many/much/
 * long/far/old/…", "when…", "what year/date/number/percentage…"); description and abstract concept ("why…", "how…",
 * "what is/are …?", "define…", "what does … mean"); otherwise entity.
 */
export function classifyInstance(instance: string): string {
  const q = instance.trim().toLowerCase();
  if (/\b(stand for|abbreviation|acronym|abbreviated)\b/.test(q)) return "abbreviation";
  if (/^(who|whom|whose)\b/.test(q) || /^what (person|man|woman|actor|actress|president|king|queen)\b/.test(q)) {
    return "human being";
  }
  if (/^where\b/.test(q) || /^what (country|city|state|continent|river|mountain|ocean|island|place)\b/.test(q)) {
    return "location";
  }
  if (/^how (many|much|long|far|old|tall|big|fast|hot|cold|large|high|deep)\b/.test(q) || /^when\b/.test(q)) {
    return "numeric value";
  }
  if (/^what (year|date|number|percentage|day|temperature)\b/.test(q)) return "numeric value";
  if (/^(why|how)\b/.test(q) || /^(define|describe)\b/.test(q) || /^what does .* mean\b/.test(q)) {
    return "description and abstract concept";
  }
  if (/^what (is|are) (a|an)?\s*[\w-]+\s*\??$/.test(q)) return "description and abstract concept";
  return "entity";
}

const FIELD = /^\s*([A-Za-z]+):\s*(.*?)\s*$/;

/** Parses one `||`-separated data line; `null` for anything else (headers, prose). */
export function parseDataLine(line: string): DataLine | null {
  if (!line.includes("||")) return null;
  const fields: Record<string, string> = {};
  for (const part of line.split("||")) {
    const m = FIELD.exec(part);
    if (m?.[1] && m[2] !== undefined) fields[m[1].toLowerCase()] = m[2];
  }
  const instance = fields.instance;
  if (instance === undefined) return null;
  return {
    date: fields.date,
    user: fields.user,
    instance,
    label: (fields.label ?? classifyInstance(instance)).toLowerCase(),
  };
}

/** All data lines in a text. */
export function dataLines(text: string): DataLine[] {
  const out: DataLine[] = [];
  for (const line of text.split("\n")) {
    const d = parseDataLine(line);
    if (d) out.push(d);
  }
  return out;
}

/** Count per label, keys sorted, for a stable JSON reply. */
export function countLabels(lines: readonly DataLine[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const l of lines) counts.set(l.label, (counts.get(l.label) ?? 0) + 1);
  return Object.fromEntries([...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
