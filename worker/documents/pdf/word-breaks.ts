/**
 * Where a line's words break, from the gaps between its glyphs. A gap is judged against the font's space width, as
 * poppler and pdfminer do (TeX shrinks spaces on tight justified lines to 0.16–0.19 em, so a fixed 0.2 em glues
 * words), and against the line's own letter spacing, so that a word set with tracking is not split letter by letter.
 */

/** A gap wider than this share of the font's space width breaks words: tight TeX spaces are half a space… */
const SPACE_SHARE = 0.4;
/** …within these bounds in ems, whatever the font claims: kerning stays below 0.08 em; no space is wider than 0.25. */
const MIN_BREAK = 0.08;
const MAX_BREAK = 0.25;
/** Fewer gaps than this say nothing about a line's letter spacing. */
const MIN_GAPS_FOR_TRACKING = 3;
/**
 * Letter spacing narrower than this share of a space is tracking (a word's letters set apart); wider, the gaps are
 * the spaces of a line of short words ("1 2 3"), which must still break.
 */
const MAX_TRACKING_SHARE = 0.75;
/** On a tracked line a word break is a gap this share of a space wider than the letter spacing. */
const TRACKED_BREAK_SHARE = 0.5;

/** The smallest gap, in ems, that breaks words in a font whose space is `space` ems wide. */
export function wordBreak(space: number): number {
  return Math.min(MAX_BREAK, Math.max(MIN_BREAK, SPACE_SHARE * space));
}

/**
 * A line's text from its glyphs' texts, with a space wherever a gap breaks words. `gaps[i]` is the gap before
 * `texts[i]` in ems (NaN where there is nothing to decide: the first glyph, or a space glyph on either side;
 * Infinity for a jump that always breaks); `spaces[i]` is the space width of `texts[i]`'s font in ems.
 */
export function joinWords(texts: readonly string[], gaps: readonly number[], spaces: readonly number[]): string {
  const tracking = letterSpacing(gaps, spaces);
  let line = texts[0] ?? "";
  for (let i = 1; i < texts.length; i++) {
    const gap = gaps[i] as number;
    const space = spaces[i] as number;
    const limit = tracking > 0 ? tracking + TRACKED_BREAK_SHARE * space : wordBreak(space);
    line += gap > limit ? ` ${texts[i]}` : texts[i];
  }
  return line;
}

/**
 * The letter spacing of a tracked line in ems (its lower quartile gap), or 0 when the line is not tracked: most
 * gaps between letters are near zero, and only when three in four exceed the word break can they be letters set
 * apart rather than spaces.
 */
function letterSpacing(gaps: readonly number[], spaces: readonly number[]): number {
  const finite: number[] = [];
  let wide = 0;
  let spaceSum = 0;
  for (let i = 0; i < gaps.length; i++) {
    const gap = gaps[i] as number;
    if (!Number.isFinite(gap)) continue;
    finite.push(gap);
    spaceSum += spaces[i] as number;
    if (gap > wordBreak(spaces[i] as number)) wide++;
  }
  if (finite.length < MIN_GAPS_FOR_TRACKING || wide < 0.75 * finite.length) return 0;
  finite.sort((a, b) => a - b);
  const quartile = finite[Math.floor(finite.length / 4)] as number;
  return quartile < MAX_TRACKING_SHARE * (spaceSum / finite.length) ? quartile : 0;
}
