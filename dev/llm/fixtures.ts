/**
 * Small seeded generators of solver-shaped tasks, for tests and demos: an S-NIAH haystack (RULER's noise sentences
 * with one needle and a few distractor needles) and an OOLONG-style window of `Date || User || Instance` lines.
 * Benchmarks have their own full-size generators; these only need to be right and fast.
 */
import { mulberry32 } from "./faults";
import { TREC_LABELS } from "./solver/task";

const NOISE = "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again. ";
const ADJECTIVES = ["quiet", "brave", "ancient", "sour", "electric", "hollow", "gentle", "crimson", "lucky", "rapid"];
const NOUNS = ["harbor", "violin", "meadow", "lantern", "comet", "falcon", "pepper", "glacier", "anchor", "saddle"];

/** A generated needle task. */
export interface NiahFixture {
  context: string;
  question: string;
  key: string;
  value: string;
}

/**
 * A haystack of about `chars` characters with the needle "One of the special magic numbers for KEY is: VALUE." at
 * relative position `depth` (0 = start, 1 = end) and `distractors` needles for other keys.
 */
export function makeNiah(opts: { chars: number; depth?: number; seed?: number; distractors?: number }): NiahFixture {
  const rng = mulberry32(opts.seed ?? 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T;
  const seven = () => String(1_000_000 + Math.floor(rng() * 9_000_000));
  const key = `${pick(ADJECTIVES)}-${pick(NOUNS)}`;
  const value = seven();
  const sentences = NOISE.split(/(?<=\. )/);
  const parts: string[] = [];
  for (let size = 0; size < opts.chars; ) {
    const s = sentences[parts.length % sentences.length] ?? NOISE;
    parts.push(s);
    size += s.length;
  }
  const insert = (at: number, sentence: string) => parts.splice(Math.max(0, Math.min(parts.length, at)), 0, sentence);
  for (let i = 0; i < (opts.distractors ?? 2); i++) {
    let other = `${pick(ADJECTIVES)}-${pick(NOUNS)}`;
    if (other === key) other = `${other}-x`;
    insert(Math.floor(rng() * parts.length), `One of the special magic numbers for ${other} is: ${seven()}. `);
  }
  insert(Math.round((opts.depth ?? 0.5) * parts.length), `One of the special magic numbers for ${key} is: ${value}. `);
  return {
    context: parts.join(""),
    question: `What is the special magic number for ${key} mentioned in the provided text?`,
    key,
    value,
  };
}

// Instances the sub-model's classifier labels as intended (checked by a test), one pool per TREC label.
const INSTANCES: Record<(typeof TREC_LABELS)[number], string[]> = {
  abbreviation: ["What does NASA stand for ?", "What is the abbreviation for Texas ?", "What is the acronym CPR ?"],
  entity: ["What instrument did Miles Davis play ?", "Which breed of dog is the smallest ?", "What color is a ruby ?"],
  "description and abstract concept": ["Why is the sky blue ?", "How do bees make honey ?", "What is a quasar ?"],
  "human being": ["Who wrote Hamlet ?", "Who painted the Mona Lisa ?", "What president freed the slaves ?"],
  location: ["Where is the Eiffel Tower ?", "What country has the most lakes ?", "Where do penguins live ?"],
  "numeric value": ["How many legs does a spider have ?", "When did World War II end ?", "How far is the moon ?"],
};

/** A generated counting window. */
export interface OolongFixture {
  context: string;
  /** True count per label (all six present, zero when unused). */
  counts: Record<string, number>;
  /** Count per label restricted to `users` of {@link makeOolong}'s result. */
  countsFor(users: readonly string[]): Record<string, number>;
  users: string[];
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `lines` data lines with a skewed label mix; `labelled` appends ` || Label: …` (OOLONG's labelled variant). */
export function makeOolong(opts: { lines: number; seed?: number; labelled?: boolean }): OolongFixture {
  const rng = mulberry32(opts.seed ?? 7);
  // Skewed weights so "most/least common" have clear answers, like OOLONG's temperature-sampled mixes.
  const rank = TREC_LABELS.map((_, i) => i);
  for (let i = rank.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [rank[i], rank[j]] = [rank[j] ?? 0, rank[i] ?? 0];
  }
  const weights = TREC_LABELS.map((_, i) => 2 ** (TREC_LABELS.length - (rank[i] ?? 0)) * (0.5 + rng()));
  const total = weights.reduce((a, b) => a + b, 0);
  const users = Array.from({ length: 12 }, () => String(10_000 + Math.floor(rng() * 90_000)));
  const rows: { user: string; label: string }[] = [];
  const out: string[] = [
    `The following lines contain ${opts.lines} general-knowledge questions, one per line. Each question has an answer that can be described as one of 6 categories: ${TREC_LABELS.join(", ")}.`,
  ];
  for (let i = 0; i < opts.lines; i++) {
    let r = rng() * total;
    let li = 0;
    while (li < weights.length - 1 && r >= (weights[li] ?? 0)) r -= weights[li++] ?? 0;
    const label = TREC_LABELS[li] ?? "entity";
    const pool = INSTANCES[label];
    const instance = pool[Math.floor(rng() * pool.length)] ?? pool[0];
    const user = users[Math.floor(rng() * users.length)] ?? "10000";
    const date = `${MONTHS[Math.floor(rng() * 12)]} ${String(1 + Math.floor(rng() * 28)).padStart(2, "0")}, ${2022 + Math.floor(rng() * 4)}`;
    rows.push({ user, label });
    out.push(`Date: ${date} || User: ${user} || Instance: ${instance}${opts.labelled ? ` || Label: ${label}` : ""}`);
  }
  out.push(`Recall: the preceding lines contain ${opts.lines} general-knowledge questions, one per line.`);
  const countsFor = (only?: readonly string[]) => {
    const c: Record<string, number> = Object.fromEntries(TREC_LABELS.map((l) => [l, 0]));
    for (const row of rows) if (!only || only.includes(row.user)) c[row.label] = (c[row.label] ?? 0) + 1;
    return c;
  };
  return { context: out.join("\n"), counts: countsFor(), countsFor, users };
}

/** The label with the highest (`most`) or lowest count; ties go to the alphabetically first, as the solver does. */
export function extremeLabel(counts: Record<string, number>, which: "most" | "least"): string {
  const labels = Object.keys(counts).sort();
  let best = labels[0] ?? "";
  for (const l of labels) {
    const a = counts[l] ?? 0;
    const b = counts[best] ?? 0;
    if (which === "most" ? a > b : a < b) best = l;
  }
  return best;
}
