/**
 * Reading OOLONG-style data lines (`Date: … || User: … || Instance: … [|| Label: …]`) the way the solver's sub-model
 * does: an explicit `Label:` field wins; otherwise the instance (a TREC question, or a product review when the prompt
 * names a sentiment label set) is classified by a few keyword rules, so unlabelled windows work too and a generator
 * can know the "true" label the sub-model will give.
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
 * Heuristic TREC-coarse classifier, in rule order: abbreviation ("stand for", "abbreviation", "acronym", "short for",
 * "initials"); human being ("who…", "what/which person/writer/inventor/…"); location ("where…", "what country/city/
 * …", "in/through which country/region/…"); numeric value ("how many/much/long/far/old/…", "when…", "[in] what
 * year/date/number/…"); description and abstract concept ("why…", "how…", "what is/are …?", "define…", "what does
 * … mean", "the difference between"); otherwise entity.
 */
export function classifyQuestion(instance: string): string {
  const q = instance.trim().toLowerCase();
  if (/\b(stand for|stands for|abbreviation|acronym|abbreviated|short for|initials)\b/.test(q)) return "abbreviation";
  if (
    /^(who|whom|whose)\b/.test(q) ||
    /^(what|which) (person|man|woman|actor|actress|president|king|queen|writer|author|poet|painter|composer|inventor|scientist|explorer)\b/.test(
      q,
    )
  ) {
    return "human being";
  }
  if (
    /^where\b/.test(q) ||
    /^what (country|city|state|continent|river|mountain|ocean|island|place)\b/.test(q) ||
    /^(in|through|from|to|on) (which|what) (country|city|state|continent|region|province|town|island|part)\b/.test(q)
  ) {
    return "location";
  }
  if (/^how (many|much|long|far|old|tall|big|fast|hot|cold|large|high|deep)\b/.test(q) || /^when\b/.test(q)) {
    return "numeric value";
  }
  if (/^((in|on|by) )?what (year|date|number|percentage|day|temperature|month|century)\b/.test(q)) {
    return "numeric value";
  }
  if (/^(why|how)\b/.test(q) || /^(define|describe)\b/.test(q) || /^what does .* mean\b/.test(q)) {
    return "description and abstract concept";
  }
  if (/\bdifference between\b/.test(q)) return "description and abstract concept";
  if (/^what (is|are) (a|an)?\s*[\w-]+\s*\??$/.test(q)) return "description and abstract concept";
  return "entity";
}

const NEGATIVE =
  /\b(broke|broken|breaks|disappoint\w*|cheap|flimsy|waste|do not buy|don't buy|never (answered|worked|arrived)|terrible|awful|worst|useless|refund|faulty|poor|hate)\b/;
const POSITIVE =
  /\b(love|loved|loves|best|delighted|great|perfect|perfectly|excellent|happily|amazing|wonderful|recommend|fantastic)\b/;

/** Keyword sentiment classifier: a complaint word → negative; else praise → positive; else neutral. */
export function classifySentiment(instance: string): string {
  const q = instance.trim().toLowerCase();
  if (NEGATIVE.test(q)) return "negative";
  if (POSITIVE.test(q)) return "positive";
  return "neutral";
}

/**
 * Classifies an instance text. `labels` (the label set the prompt names, lower case) picks the classifier: a
 * sentiment set (positive/negative/…) gets {@link classifySentiment}; anything else, or no list, the TREC-coarse
 * {@link classifyQuestion}.
 */
export function classifyInstance(instance: string, labels: readonly string[] = []): string {
  if (labels.includes("positive") || labels.includes("negative")) return classifySentiment(instance);
  return classifyQuestion(instance);
}

const FIELD = /^\s*([A-Za-z]+):\s*(.*?)\s*$/;

/** Parses one `||`-separated data line; `null` for anything else (headers, prose). `labels`: see `classifyInstance`. */
export function parseDataLine(line: string, labels: readonly string[] = []): DataLine | null {
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
    label: (fields.label ?? classifyInstance(instance, labels)).toLowerCase(),
  };
}

/** All data lines in a text. */
export function dataLines(text: string, labels: readonly string[] = []): DataLine[] {
  const out: DataLine[] = [];
  for (const line of text.split("\n")) {
    const d = parseDataLine(line, labels);
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

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/** A data line's date (`Jan 06, 2023`, `2023-01-06` or `01/06/2023`) as `[year, month, day]`, or undefined. */
export function parseLineDate(date: string | undefined): [number, number, number] | undefined {
  const t = (date ?? "").trim();
  let m = /^([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})$/.exec(t);
  if (m?.[1]) {
    const month = MONTHS.indexOf(m[1].slice(0, 3).toLowerCase()) + 1;
    return month > 0 ? [Number(m[3]), month, Number(m[2])] : undefined;
  }
  m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t);
  if (m) return [Number(m[3]), Number(m[1]), Number(m[2])];
  return undefined;
}
