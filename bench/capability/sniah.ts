/**
 * S-NIAH: RULER-style single needle in a haystack (reference §4.6). The paper's 50 tasks per length were never
 * released, so tasks are regenerated here: one "special magic number" (7 digits, like RULER `niah_single_2`) or
 * "special magic uuid" (like `niah_single_3`) for an `adjective-noun` key, hidden at a chosen depth in essay-like
 * filler. Lengths are in approximate tokens, counted as characters / 4 (see `tokens.ts`); RULER instead
 * binary-searches the haystack size with a real tokenizer.
 */
import { fillerPieces } from "./haystack";
import { createRng, deriveSeed, type Rng } from "./prng";
import { approxTokens, CHARS_PER_TOKEN } from "./tokens";

/** Shortest supported haystack: the paper's 2^13 (8K) tokens. */
export const SNIAH_MIN_TOKENS = 2 ** 13;
/** Longest supported haystack: 2^20 (1M) tokens, the top of the [P3] range. */
export const SNIAH_MAX_TOKENS = 2 ** 20;

/** What the needle hides: a 7-digit number (RULER `niah_single_1`/`_2`) or a UUID (`niah_single_3`). */
export type NeedleKind = "number" | "uuid";

/** Inputs of {@link generateSniah}; the task is a pure function of them. */
export interface SniahOptions {
  seed: number;
  /** Target context length in approximate tokens (characters / {@link CHARS_PER_TOKEN}), 2^13 to 2^20. */
  lengthTokens: number;
  /** Where the needle sits, as a fraction of the haystack: 0 = first sentence, 1 = after the last sentence. */
  depth: number;
  /** Defaults to `"number"`. */
  needle?: NeedleKind;
}

/** One S-NIAH task: put `context` in the REPL, ask `query` as the root prompt, score with {@link scoreSniah}. */
export interface SniahTask {
  context: string;
  query: string;
  /** The needle's value; the answer must contain it. */
  expected: string;
  meta: {
    seed: number;
    needle: NeedleKind;
    key: string;
    /** The needle sentence exactly as it appears in `context`. */
    needleSentence: string;
    /** Character offset of the needle sentence in `context`. */
    needleOffset: number;
    requestedDepth: number;
    /** `needleOffset` over the length of the haystack without the needle. */
    actualDepth: number;
    requestedTokens: number;
    /** `context.length / CHARS_PER_TOKEN`. */
    approxTokens: number;
  };
}

const KEY_ADJECTIVES =
  "amber brisk crimson dusty elegant fancy gloomy hollow icy jolly lucky misty noble olive proud rapid silent tidy vivid witty".split(
    " ",
  );
const KEY_NOUNS =
  "anchor badger candle dolphin engine falcon glacier hammer island jacket kettle lantern meadow needle orchard pepper quiver rocket saddle tulip".split(
    " ",
  );

function needleValue(rng: Rng, kind: NeedleKind): string {
  if (kind === "number") return String(rng.int(1_000_000, 9_999_999));
  const hex = (n: number) => Array.from({ length: n }, () => rng.int(0, 15).toString(16)).join("");
  // Version-4 layout (version nibble 4, variant nibble 8–b) so the value looks like any other random UUID.
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${rng.pick(["8", "9", "a", "b"])}${hex(3)}-${hex(12)}`;
}

const plural = (kind: NeedleKind) => (kind === "number" ? "numbers" : "uuids");

/**
 * Generates one S-NIAH task. The haystack is cut from one sentence stream per `seed` and `lengthTokens`, so a depth
 * sweep at one seed moves the same needle through the same text; the needle's key and value depend only on `seed`
 * and the needle kind.
 *
 * @example
 * const task = generateSniah({ seed: 1, lengthTokens: 2 ** 13, depth: 0.5 });
 * scoreSniah(modelAnswer, task.expected); // 1 or 0
 */
export function generateSniah(options: SniahOptions): SniahTask {
  const { seed, lengthTokens, depth } = options;
  const kind = options.needle ?? "number";
  if (!Number.isInteger(lengthTokens) || lengthTokens < SNIAH_MIN_TOKENS || lengthTokens > SNIAH_MAX_TOKENS) {
    throw new RangeError(`lengthTokens must be an integer in [${SNIAH_MIN_TOKENS}, ${SNIAH_MAX_TOKENS}]`);
  }
  if (!(depth >= 0 && depth <= 1)) throw new RangeError(`depth must be in [0, 1], got ${depth}`);

  const needleRng = createRng(deriveSeed(seed, `sniah-needle-${kind}`));
  const key = `${needleRng.pick(KEY_ADJECTIVES)}-${needleRng.pick(KEY_NOUNS)}`;
  const value = needleValue(needleRng, kind);
  // Needle wording as quoted for RULER in reference §4.6, so results stay comparable with RULER-style runs.
  const needleSentence = `One of the special magic ${plural(kind)} for ${key} is: ${value}.`;

  const targetChars = lengthTokens * CHARS_PER_TOKEN;
  const hayRng = createRng(deriveSeed(seed, `sniah-haystack-${lengthTokens}`));
  const pieces = fillerPieces(hayRng, targetChars - needleSentence.length - 1);

  // Insert at the sentence boundary nearest the requested depth (RULER also inserts at sentence boundaries).
  const hayChars = pieces.reduce((n, p) => n + p.length, 0);
  let index = 0;
  let offset = 0;
  while (index < pieces.length && offset + (pieces[index] as string).length / 2 < depth * hayChars) {
    offset += (pieces[index] as string).length;
    index += 1;
  }
  const before = pieces.slice(0, index).join("");
  const after = pieces.slice(index).join("");
  const context = (after === "" ? `${before}${needleSentence}` : `${before}${needleSentence} ${after}`).trimEnd();

  return {
    context,
    query: `What are all the special magic ${plural(kind)} for ${key} mentioned in the provided text?`,
    expected: value,
    meta: {
      seed,
      needle: kind,
      key,
      needleSentence,
      needleOffset: before.length,
      requestedDepth: depth,
      actualDepth: hayChars === 0 ? 0 : before.length / hayChars,
      requestedTokens: lengthTokens,
      approxTokens: approxTokens(context),
    },
  };
}

/**
 * The whole task as one prompt, for a base-model baseline that reads the haystack directly (an RLM instead gets
 * `context` as its REPL variable and `query` as the root prompt, reference §4.6). Framing follows RULER's template.
 */
export function formatSniahPrompt(task: SniahTask): string {
  const kind = plural(task.meta.needle);
  return (
    `Some special magic ${kind} are hidden within the following text. Make sure to memorize it. ` +
    `I will quiz you about the ${kind} afterwards.\n${task.context}\n${task.query}`
  );
}

/**
 * Scores an answer with RULER's `string_match_all` (reference §4.6): the fraction of expected values that occur in
 * the answer as case-insensitive substrings. With the single needle of S-NIAH this is 1 or 0.
 */
export function scoreSniah(answer: string, expected: string | readonly string[]): number {
  const values = typeof expected === "string" ? [expected] : expected;
  if (values.length === 0) return 0;
  const haystack = answer.toLowerCase();
  return values.filter((v) => haystack.includes(v.toLowerCase())).length / values.length;
}
