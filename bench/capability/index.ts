/**
 * Capability benchmarks for RLM runs: deterministic, seeded task generators and official-rule scorers for S-NIAH
 * (RULER-style needle retrieval) and OOLONG (aggregation over inferred labels). Pure Node, no network, no data files.
 */
export { formatLineDate, parseDate, parseMonth } from "./calendar";
export {
  generateOolong,
  type OolongOptions,
  type OolongTask,
} from "./oolong";
export { LABEL_SETS, type LabelSet, type LabelSetName } from "./oolong-instances";
export {
  askOolong,
  kindOf,
  OOLONG_TASKS,
  type OolongAnswerType,
  type OolongKind,
  type OolongQuestion,
  type OolongTaskName,
} from "./oolong-questions";
export {
  COMPARISON_PHRASES,
  type OolongScoringVariant,
  parseOolongAnswer,
  scoreOolong,
} from "./oolong-score";
export {
  buildOolongWindow,
  formatOolongLine,
  OOLONG_FIRST_DAY,
  OOLONG_LAST_DAY,
  OOLONG_MAX_TOKENS,
  OOLONG_MIN_TOKENS,
  type OolongItem,
  type OolongWindow,
  type OolongWindowOptions,
} from "./oolong-window";
export { createRng, deriveSeed, type Rng } from "./prng";
export {
  formatSniahPrompt,
  generateSniah,
  type NeedleKind,
  SNIAH_MAX_TOKENS,
  SNIAH_MIN_TOKENS,
  type SniahOptions,
  type SniahTask,
  scoreSniah,
} from "./sniah";
export { approxTokens, CHARS_PER_TOKEN } from "./tokens";
