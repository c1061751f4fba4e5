/**
 * How close one extraction of a PDF is to a reference extraction (poppler's `pdftotext`): word F1, character 3-gram
 * similarity, and the share of glued words. Text is compared as NFKC with runs of white space folded, so ligature
 * and spacing conventions that do not change the words do not count.
 */

/** Whitespace-separated tokens of `text`, NFKC-normalised. */
export function tokens(text: string): string[] {
  return text.normalize("NFKC").split(/\s+/u).filter(Boolean);
}

function counts(items: Iterable<string>): Map<string, number> {
  const map = new Map<string, number>();
  for (const item of items) map.set(item, (map.get(item) ?? 0) + 1);
  return map;
}

/** F1 of two multisets: 1 when they are equal, 0 when they share nothing (and 1 when both are empty). */
function multisetF1(a: Map<string, number>, b: Map<string, number>): number {
  let sizeA = 0;
  let sizeB = 0;
  let common = 0;
  for (const n of a.values()) sizeA += n;
  for (const [key, n] of b) {
    sizeB += n;
    common += Math.min(n, a.get(key) ?? 0);
  }
  if (sizeA + sizeB === 0) return 1;
  return (2 * common) / (sizeA + sizeB);
}

/** Word F1: the words of `ours` and `reference` as bags, order ignored. */
export function wordF1(ours: readonly string[], reference: readonly string[]): number {
  return multisetF1(counts(ours), counts(reference));
}

function* trigrams(words: readonly string[]): Generator<string> {
  const text = words.join(" ");
  for (let i = 0; i + 3 <= text.length; i++) yield text.slice(i, i + 3);
}

/** Character 3-gram similarity (Dice over the bags of 3-grams): sensitive to order and spacing within a line. */
export function trigramSimilarity(ours: readonly string[], reference: readonly string[]): number {
  return multisetF1(counts(trigrams(ours)), counts(trigrams(reference)));
}

/** Positions of each token in `reference`. */
function positions(reference: readonly string[]): Map<string, number[]> {
  const map = new Map<string, number[]>();
  for (const [i, token] of reference.entries()) {
    const list = map.get(token);
    if (list) list.push(i);
    else map.set(token, [i]);
  }
  return map;
}

const WORDLIKE = /[\p{L}\p{N}]/u;
/** Occurrences of a run's first token tried: runs of real words repeat rarely, so a few suffice. */
const MAX_STARTS = 64;

/**
 * How many word-like consecutive reference tokens, from some position, run together make `token`; 0 when fewer than
 * two do. Tokens of punctuation alone do not count: poppler splits dot leaders ("Index . . . 35") into dots.
 */
function parts(token: string, reference: readonly string[], at: Map<string, number[]>): number {
  for (let k = 1; k < token.length; k++) {
    // A few occurrences of the first token are enough to find a run; "." alone can occur thousands of times.
    for (const start of (at.get(token.slice(0, k)) ?? []).slice(0, MAX_STARTS)) {
      let joined = "";
      let i = start;
      while (i < reference.length && joined.length < token.length && token.startsWith(joined + reference[i])) {
        joined += reference[i];
        i++;
      }
      if (joined !== token) continue;
      const words = reference.slice(start, i).filter((t) => WORDLIKE.test(t)).length;
      if (words >= 2) return words;
    }
  }
  return 0;
}

/**
 * Glued words: tokens of `ours` that are not reference tokens but equal two or more consecutive reference tokens
 * (two of them word-like) run together — missed word breaks. `tokens` is their share of our tokens; `words` the share of reference words
 * lost inside them.
 */
export function glued(ours: readonly string[], reference: readonly string[]): { tokens: number; words: number } {
  const at = positions(reference);
  let tokens = 0;
  let words = 0;
  const memo = new Map<string, number>();
  for (const token of ours) {
    if (at.has(token)) continue;
    let n = memo.get(token);
    if (n === undefined) {
      n = parts(token, reference, at);
      memo.set(token, n);
    }
    if (n > 0) {
      tokens++;
      words += n;
    }
  }
  return { tokens: ours.length ? tokens / ours.length : 0, words: reference.length ? words / reference.length : 0 };
}
