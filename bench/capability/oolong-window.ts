/**
 * The context window of an OOLONG-style task (reference §4.7): `Date: … || User: … || Instance: …` lines whose labels
 * are hidden and must be inferred from each instance's meaning. Built the way `oolong-synth` builds windows (skewed
 * label distribution, dates in 2022–2025, 80 % of items from the 20 % most active users), but with synthetic
 * instances (see `oolong-instances.ts`) and lengths in approximate tokens (characters / 4, see `tokens.ts`).
 */
import { addDays, daysBetween, formatLineDate } from "./calendar";
import { LABEL_SETS, type LabelSet, type LabelSetName } from "./oolong-instances";
import { createRng, deriveSeed, type Rng } from "./prng";
import { approxTokens, CHARS_PER_TOKEN } from "./tokens";

/** Shortest supported window, in approximate tokens: the low end of OOLONG-Pairs' 1K–1M scaling range. */
export const OOLONG_MIN_TOKENS = 2 ** 10;
/** Longest supported window, in approximate tokens: the high end of that range (1M). */
export const OOLONG_MAX_TOKENS = 2 ** 20;
/** First day a line can be dated: observed OOLONG dates span 2022–2025 (reference §4.7). */
export const OOLONG_FIRST_DAY = "2022-01-01";
/** Last day a line can be dated. */
export const OOLONG_LAST_DAY = "2025-12-31";
// 80 % of items go to the 20 % most active user IDs, as in the oolong-synth recipe.
const HEAVY_USER_SHARE = 0.2;
const HEAVY_ITEM_SHARE = 0.8;
// About ten items per user gives repeat users at every length without making the user questions trivial; lines are
// about 90 characters, which is all the estimate needs.
const ITEMS_PER_USER = 10;
const ESTIMATED_LINE_CHARS = 90;
// At least ten users so small windows still have a "most active" group; at most a tenth of the 90,000 five-digit IDs
// so drawing unique IDs by rejection stays fast.
const MIN_USERS = 10;
const MAX_USERS = 9_000;

/** One context line with its hidden true label. `date` is ISO (`YYYY-MM-DD`); `user` is a 5-digit ID. */
export interface OolongItem {
  date: string;
  user: string;
  instance: string;
  label: string;
}

/** Inputs of {@link buildOolongWindow}. */
export interface OolongWindowOptions {
  seed: number;
  /** Target context length in approximate tokens (characters / 4), 2^10 to 2^20. */
  lengthTokens: number;
  /** Defaults to `"question-type"` (the trec_coarse analogue). */
  labelSet?: LabelSetName;
}

/** A generated context window: what the model reads (`context`) and the hidden truth behind it (`items`). */
export interface OolongWindow {
  seed: number;
  labelSet: LabelSet;
  context: string;
  items: readonly OolongItem[];
  /** Every user ID that may appear, most active group first. */
  users: readonly string[];
  requestedTokens: number;
  approxTokens: number;
}

function header(set: LabelSet, n: number): string {
  const labels = set.labels.map((l) => `'${l}'`).join(", ");
  return (
    `The following ${n} lines are ${set.itemNoun}, one per line, each with a date and a user ID. Each line has ` +
    `${set.labelMeaning} ${set.labels.length} labels: ${labels}. The labels are not written down: infer each ` +
    `line's label from what it says. User IDs repeat across lines. You will be asked about aggregate label ` +
    `statistics over all ${n} lines; work them out exactly instead of guessing, estimating or approximating.`
  );
}

function trailer(set: LabelSet, n: number): string {
  return `Recall: the ${n} lines above are ${set.itemNoun}, each with one of the labels ${set.labels.join(", ")}.`;
}

/** One context line in OOLONG's format (reference §4.7); the label is never written. */
export function formatOolongLine(item: OolongItem): string {
  return `Date: ${formatLineDate(item.date)} || User: ${item.user} || Instance: ${item.instance}`;
}

function pickWeighted(rng: Rng, weights: readonly number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let x = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    x -= weights[i] as number;
    if (x < 0) return i;
  }
  return weights.length - 1;
}

function userIds(rng: Rng, count: number): string[] {
  const ids = new Set<string>();
  while (ids.size < count) ids.add(String(rng.int(10_000, 99_999)));
  return [...ids];
}

/**
 * Generates a context window: lines are added until the context is as close as possible to the requested length.
 * Labels follow a skewed distribution (a random "temperature" between 2 and 6 sharpens random weights, as in the
 * oolong-synth recipe), so most/least-common questions usually have clear answers.
 */
export function buildOolongWindow(options: OolongWindowOptions): OolongWindow {
  const { seed, lengthTokens } = options;
  if (!Number.isInteger(lengthTokens) || lengthTokens < OOLONG_MIN_TOKENS || lengthTokens > OOLONG_MAX_TOKENS) {
    throw new RangeError(`lengthTokens must be an integer in [${OOLONG_MIN_TOKENS}, ${OOLONG_MAX_TOKENS}]`);
  }
  const set = LABEL_SETS[options.labelSet ?? "question-type"];
  const rng = createRng(deriveSeed(seed, `oolong-window-${set.name}-${lengthTokens}`));
  const targetChars = lengthTokens * CHARS_PER_TOKEN;

  const temperature = 2 + 4 * rng.next();
  // The small floor keeps every label possible, so "least common" is a real label rather than an absent one.
  const weights = set.labels.map(() => 0.02 + rng.next() ** (temperature / 2));
  const estimatedItems = Math.round(targetChars / ESTIMATED_LINE_CHARS);
  const userCount = Math.min(MAX_USERS, Math.max(MIN_USERS, Math.round(estimatedItems / ITEMS_PER_USER)));
  const users = userIds(rng, userCount);
  const heavy = users.slice(0, Math.ceil(userCount * HEAVY_USER_SHARE));
  const light = users.slice(heavy.length);
  const dayCount = daysBetween(OOLONG_FIRST_DAY, OOLONG_LAST_DAY) + 1;

  // Header and trailer mention the item count; its digit count barely moves the length, so the estimate suffices.
  let total = header(set, estimatedItems).length + trailer(set, estimatedItems).length + 1;
  const items: OolongItem[] = [];
  const lines: string[] = [];
  for (;;) {
    const label = set.labels[pickWeighted(rng, weights)] as string;
    const item: OolongItem = {
      date: addDays(OOLONG_FIRST_DAY, rng.int(0, dayCount - 1)),
      user: rng.chance(HEAVY_ITEM_SHARE) || light.length === 0 ? rng.pick(heavy) : rng.pick(light),
      instance: set.instance(rng, label),
      label,
    };
    const line = formatOolongLine(item);
    // Stop on whichever side of the target is nearer (each line costs its length plus a newline).
    if (total + line.length + 1 > targetChars) {
      if (total + line.length + 1 - targetChars < targetChars - total) {
        items.push(item);
        lines.push(line);
      }
      break;
    }
    items.push(item);
    lines.push(line);
    total += line.length + 1;
  }
  const context = [header(set, items.length), ...lines, trailer(set, items.length)].join("\n");
  return {
    seed,
    labelSet: set,
    context,
    items,
    users,
    requestedTokens: lengthTokens,
    approxTokens: approxTokens(context),
  };
}
