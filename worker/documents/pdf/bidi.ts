/**
 * Right-to-left text from visual order (as a PDF draws it, left to right) back to logical order (as it is read and
 * searched). A practical subset of the Unicode bidirectional algorithm (UAX #9), run on one line with no explicit
 * embeddings or isolates:
 * - the paragraph is right-to-left when the line has more right-to-left letters than left-to-right ones (P2–P3, by
 *   majority rather than first letter, since the visual first letter is the logical last);
 * - in a right-to-left line, the order of runs is reversed and so are the characters of right-to-left and neutral
 *   runs, while left-to-right runs (letters, with the digits and neutrals between them, N1) keep their order;
 * - in a left-to-right line, each run from a right-to-left letter to the last right-to-left letter or number before
 *   the next left-to-right letter is reversed the same way;
 * - numbers (European and Arabic-Indic digits, joined by `.,:/` and the Arabic separators, W4) always keep their
 *   order, and paired brackets in reversed runs are mirrored (L4).
 * Levels deeper than two (a left-to-right quote holding a right-to-left one) are not restored.
 */

/** Right-to-left letters: Hebrew, Arabic, Syriac, Thaana, N'Ko, Samaritan, Mandaic, Arabic Extended, and the
 * Hebrew and Arabic presentation forms; Arabic-Indic digits are numbers, not letters. */
const RTL = /[\u0590-\u065f\u066a-\u06ef\u06fa-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]/;

const MIRRORED: Record<string, string> = {
  "(": ")",
  ")": "(",
  "[": "]",
  "]": "[",
  "{": "}",
  "}": "{",
  "<": ">",
  ">": "<",
  "«": "»",
  "»": "«",
};

enum Kind {
  Rtl,
  Ltr,
  Digit,
  Separator,
  Neutral,
}

function kind(ch: string): Kind {
  const c = ch.charCodeAt(0);
  if ((c >= 0x30 && c <= 0x39) || (c >= 0x660 && c <= 0x669) || (c >= 0x6f0 && c <= 0x6f9)) return Kind.Digit;
  if (ch === "." || ch === "," || ch === ":" || ch === "/" || c === 0x66b || c === 0x66c) return Kind.Separator;
  if (RTL.test(ch)) return Kind.Rtl;
  return /\p{L}|\p{M}/u.test(ch) ? Kind.Ltr : Kind.Neutral;
}

/** Whether `line` holds right-to-left letters: the test that lets all other lines pass untouched. */
export function hasRtl(line: string): boolean {
  return RTL.test(line);
}

/** `line` (visual order, left to right) in logical order. */
export function logicalOrder(line: string): string {
  const chars = Array.from(line);
  const kinds = chars.map(kind);
  const rtl = kinds.filter((k) => k === Kind.Rtl).length;
  const ltr = kinds.filter((k) => k === Kind.Ltr).length;
  if (rtl > ltr) return reverseRun(chars, kinds, 0, chars.length, true);
  let out = "";
  let i = 0;
  while (i < chars.length) {
    if (kinds[i] !== Kind.Rtl && !(kinds[i] === Kind.Digit && rtlBefore(kinds, i))) {
      out += chars[i];
      i++;
      continue;
    }
    // The run ends at its last right-to-left letter or number before a left-to-right letter.
    let end = i;
    for (let j = i; j < chars.length && kinds[j] !== Kind.Ltr; j++) {
      if (kinds[j] === Kind.Rtl || kinds[j] === Kind.Digit) end = j + 1;
    }
    out += reverseRun(chars, kinds, i, end, false);
    i = end;
  }
  return out;
}

/** Whether a number at `i` leads into right-to-left letters (it is then part of their run, W2). */
function rtlBefore(kinds: readonly Kind[], i: number): boolean {
  for (let j = i; j < kinds.length; j++) {
    if (kinds[j] === Kind.Rtl) return true;
    if (kinds[j] === Kind.Ltr) return false;
  }
  return false;
}

/** Characters `from`–`to` reversed, keeping numbers (and, with `keepLtr`, left-to-right runs) in their order. */
function reverseRun(
  chars: readonly string[],
  kinds: readonly Kind[],
  from: number,
  to: number,
  keepLtr: boolean,
): string {
  const pieces: string[] = [];
  let i = from;
  while (i < to) {
    const end = keptEnd(kinds, i, to, keepLtr);
    if (end > i) {
      pieces.push(chars.slice(i, end).join(""));
      i = end;
    } else {
      const ch = chars[i] as string;
      pieces.push(MIRRORED[ch] ?? ch);
      i++;
    }
  }
  return pieces.reverse().join("");
}

/** Where a run kept in order starts at `i` ends (`i` itself when none starts there). */
function keptEnd(kinds: readonly Kind[], i: number, to: number, keepLtr: boolean): number {
  const k = kinds[i];
  if (keepLtr && k === Kind.Ltr) {
    // Letters, digits and the neutrals between them, up to the last letter or digit before a right-to-left letter.
    let end = i + 1;
    for (let j = i + 1; j < to && kinds[j] !== Kind.Rtl; j++) {
      if (kinds[j] === Kind.Ltr || kinds[j] === Kind.Digit) end = j + 1;
    }
    return end;
  }
  if (k !== Kind.Digit) return i;
  let end = i + 1;
  while (end < to) {
    if (kinds[end] === Kind.Digit) end++;
    else if (kinds[end] === Kind.Separator && kinds[end + 1] === Kind.Digit && end + 1 < to) end += 2;
    else break;
  }
  return end;
}
