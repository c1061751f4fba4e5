/**
 * The counting questions as a newcomer types them, without OOLONG's quotes: "How many lines in the document are
 * labelled location?", "Is entity more common than location?", "Are there more location lines than entity lines?",
 * "Which category appears most often?". Only label names the demo knows count unquoted (the TREC-coarse set, short
 * forms of it, and the sentiment labels), so an ordinary question is never mistaken for a counting one.
 */
import type { CountTask } from "./task";

const TREC = ["abbreviation", "entity", "description and abstract concept", "human being", "location", "numeric value"];
// Short forms people use for the long TREC names.
const ALIASES: Record<string, string> = {
  human: "human being",
  person: "human being",
  numeric: "numeric value",
  description: "description and abstract concept",
  "abstract concept": "description and abstract concept",
};
const NAMES = [...TREC, ...Object.keys(ALIASES), "positive", "negative", "neutral"].sort((a, b) => b.length - a.length);
// Optional quotes and a plural "s"; longest names first so "human being" wins over "human".
const LABEL = `['"“]?(${NAMES.join("|")})s?['"”]?`;
const ITEMS = "(?:lines|items|questions|entries|rows|data points|instances)";

const COMPARE = [
  new RegExp(
    `\\b${LABEL}\\s+(?:lines\\s+|questions\\s+)?(?:more|less) (?:common|frequent)[^?]*?than\\s+(?:label\\s+)?${LABEL}`,
    "i",
  ),
  new RegExp(`\\bmore\\s+${LABEL}\\s+(?:${ITEMS}\\s+)?than\\s+${LABEL}`, "i"),
  new RegExp(`\\bcompare\\b[^?]*?\\b${LABEL}\\b[^?]*?\\b${LABEL}\\b`, "i"),
];
const COUNT = [
  new RegExp(`\\bhow many\\b[^?]*?\\b${LABEL}(?=[\\s?.!,]|$)`, "i"),
  new RegExp(`\\bcount (?:the |all )?${LABEL}\\s+${ITEMS}`, "i"),
];
const MOST = /\bwhich (?:label|category|type|kind|class)\b[^?]*?\b(?:most|more often)\b/i;
const LEAST = /\bwhich (?:label|category|type|kind|class)\b[^?]*?\b(?:least|fewest|rarest)\b/i;

const canonical = (name: string) => ALIASES[name.toLowerCase()] ?? name.toLowerCase();

/** A counting question in everyday words, or `null`. `base` carries what the strict detector already read. */
export function detectNaturalCount(text: string, base: Omit<CountTask, "mode">): CountTask | null {
  for (const re of COMPARE) {
    const m = re.exec(text);
    if (m?.[1] && m[2] && canonical(m[1]) !== canonical(m[2])) {
      return { ...base, mode: "compare", target: canonical(m[1]), other: canonical(m[2]) };
    }
  }
  for (const re of COUNT) {
    const m = re.exec(text);
    if (m?.[1]) return { ...base, mode: "count", target: canonical(m[1]) };
  }
  if (LEAST.test(text)) return { ...base, mode: "least" };
  if (MOST.test(text)) return { ...base, mode: "most" };
  return null;
}
