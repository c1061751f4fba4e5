/**
 * Essay-like filler text for needle-in-a-haystack tasks, generated from small word lists written for this project
 * (RULER uses Paul Graham essays or a repeated noise sentence; neither is reproduced here). The sentences read like
 * a reflective essay but carry no facts, no digits and no hyphens, so nothing in them can be mistaken for a needle
 * value or a needle key.
 */
import type { Rng } from "./prng";

const NOUNS =
  "idea habit question garden city project teacher market river letter workshop journey problem village library machine argument season harbor story method friend language window bridge meeting notebook craft school company kitchen theory".split(
    " ",
  );
const ADJECTIVES =
  "quiet stubborn careful simple curious patient ordinary restless humble modest bright distant gentle practical unusual familiar narrow generous awkward steady early plain".split(
    " ",
  );
const VERBS =
  "shapes changes reveals rewards hides teaches follows outlasts explains tests protects improves echoes complicates supports resembles".split(
    " ",
  );
const ADVERBS = "slowly rarely quietly eventually often gradually seldom usually patiently simply".split(" ");
const ABSTRACTS =
  "attention patience curiosity judgment practice taste ambition doubt memory effort luck discipline kindness confidence experience time".split(
    " ",
  );

const article = (word: string): string => (/^[aeiou]/.test(word) ? "an" : "a");
const cap = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);

type Parts = { n1: string; n2: string; a1: string; a2: string; v: string; adv: string; x1: string; x2: string };

// Each template is one essay move (claim, concession, anecdote, conclusion); mixing them avoids the obvious
// repetition of a single noise sentence while staying cheap enough to fill a million-token haystack.
const TEMPLATES: ReadonlyArray<(p: Parts) => string> = [
  (p) => `The ${p.a1} ${p.n1} ${p.v} the ${p.n2} more than most people expect.`,
  (p) => `It is easy to forget that ${p.x1} ${p.adv} matters more than ${p.x2}.`,
  (p) => `When I first visited the ${p.n1}, I assumed it was about ${p.x1}, but it was really about ${p.x2}.`,
  (p) => `Most of what we call ${p.x1} is just ${p.x2} practiced over a long time.`,
  (p) => `${cap(article(p.a1))} ${p.a1} ${p.n1} ${p.adv} ${p.v} ${article(p.a2)} ${p.a2} ${p.n2}.`,
  (p) => `Nobody plans ${article(p.a1)} ${p.a1} ${p.n1}; it grows out of ${p.x1} and a little ${p.x2}.`,
  (p) => `The lesson of the ${p.n1} is that ${p.x1} ${p.v} ${p.x2} in ways that are hard to see at first.`,
  (p) => `If you want to understand ${article(p.n1)} ${p.n1}, watch how it treats ${article(p.a1)} ${p.a1} ${p.n2}.`,
  (p) => `In the end, the ${p.a1} ${p.n1} and the ${p.a2} ${p.n2} turn out to be the same kind of thing.`,
  (p) => `People ${p.adv} admit how much ${p.x1} ${article(p.n1)} ${p.n1} requires.`,
  (p) => `There is ${article(p.a1)} ${p.a1} pleasure in ${article(p.n1)} ${p.n1} that ${p.v} nothing but ${p.x1}.`,
  (p) => `So the question is not whether ${p.x1} helps, but how ${p.adv} it ${p.v} the ${p.n1}.`,
];

/** One essay-like sentence (no digits, no hyphens), drawn from `rng`. */
export function fillerSentence(rng: Rng): string {
  const template = rng.pick(TEMPLATES);
  return template({
    n1: rng.pick(NOUNS),
    n2: rng.pick(NOUNS),
    a1: rng.pick(ADJECTIVES),
    a2: rng.pick(ADJECTIVES),
    v: rng.pick(VERBS),
    adv: rng.pick(ADVERBS),
    x1: rng.pick(ABSTRACTS),
    x2: rng.pick(ABSTRACTS),
  });
}

// Essays break into paragraphs; 4–9 sentences per paragraph keeps the text looking like prose, not a word list.
const MIN_PARAGRAPH = 4;
const MAX_PARAGRAPH = 9;

/**
 * Filler sentences, each with its trailing separator (a space, or a blank line at a paragraph end), until their total
 * length is as close as possible to `targetChars`. Returned as pieces so a caller can insert a needle exactly at a
 * sentence boundary.
 */
export function fillerPieces(rng: Rng, targetChars: number): string[] {
  const pieces: string[] = [];
  let total = 0;
  let left = rng.int(MIN_PARAGRAPH, MAX_PARAGRAPH);
  for (;;) {
    left -= 1;
    const sep = left === 0 ? "\n\n" : " ";
    if (left === 0) left = rng.int(MIN_PARAGRAPH, MAX_PARAGRAPH);
    const piece = fillerSentence(rng) + sep;
    // Stop at whichever side of the target is nearer, so the error is at most half a sentence.
    if (total + piece.length > targetChars) {
      if (total + piece.length - targetChars < targetChars - total) pieces.push(piece);
      return pieces;
    }
    pieces.push(piece);
    total += piece.length;
  }
}
