/**
 * The Python the solver's root writes into ```repl blocks (Python 3.8+: no nested same-quote f-strings, no `match`).
 * Every compute program leaves its result in `final_answer` and prints it on a line `final_answer -> <value>`, which
 * the next turn reads back from the REPL output. The name `answer` is never rebound: the REPL predefines it as the
 * answer dict.
 */
import type { FinalStyle } from "../models";
import type { CountTask, NiahTask } from "./task";

/** A Python string literal for `s` (JSON string escapes are valid Python escapes). */
export function py(s: string): string {
  return JSON.stringify(s);
}

// Sub-call sizes: 20k characters (~5k tokens) per needle chunk and 200 lines per counting chunk are far below any
// sub-model's window and give a few dozen calls for a 131k-token context, like the paper's example trajectories.
const NIAH_CHUNK_CHARS = 20_000;
const COUNT_CHUNK_LINES = 200;
// Longer than a needle sentence, so a needle cut by a chunk edge is still whole in the next chunk.
const OVERLAP_CHARS = 400;

const PRELUDE = `import re, json

def _as_text(value):
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "\\n".join(f"{k}: {_as_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "\\n".join(_as_text(v) for v in value)
    return str(value)

text = _as_text(context)`;

// Sub-calls that came back as "[ERROR] ..." are retried once, as a careful model would.
const RETRY = `failed = [i for i, r in enumerate(replies) if str(r).startswith("[ERROR]")]
if failed:
    for i, r in zip(failed, llm_query_batched([prompts[i] for i in failed])):
        replies[i] = r
errors = sum(1 for r in replies if str(r).startswith("[ERROR]"))`;

/** Lines that hand `final_answer` to the engine from inside the code, for the `code` and `dict` styles. */
function finalInCode(style: FinalStyle): string {
  if (style === "code") return `\nFINAL_VAR("final_answer")`;
  if (style === "dict") return `\nanswer["content"] = final_answer\nanswer["ready"] = True`;
  return "";
}

const REPORT = `print("final_answer ->", final_answer)`;

/** First look at the context: its type, size and opening. */
export function exploreCode(): string {
  return `${PRELUDE}
print(type(context).__name__, "with", len(text), "characters")
print(text[:600])`;
}

function niahHead(task: NiahTask): string {
  return `${PRELUDE}
key = ${py(task.key)}
kind = ${py(task.valueKind)}
pattern = r"magic " + kind + r"s? for " + re.escape(key) + r"\\s+is:?\\s*([0-9A-Za-z-]+)"`;
}

const NIAH_COLLECT = `candidates = []
for r in replies:
    r = str(r).strip()
    if not r or r.startswith("[ERROR]") or r.upper().startswith("NONE"):
        continue
    value = r.split()[0].strip(".,;:\\"'")
    if value and value not in candidates:
        candidates.append(value)
if not candidates:
    # A sub-model can miss; check the whole text directly before giving up.
    candidates = list(dict.fromkeys(re.findall(pattern, text, flags=re.I)))
final_answer = ", ".join(candidates) if candidates else "NONE"`;

/** Needle search: chunks, one `llm_query_batched` over them, then the candidates they report. */
export function niahCode(task: NiahTask, o: { fanOut?: number; final: FinalStyle }): string {
  const n = o.fanOut ?? `max(1, -(-len(text) // ${NIAH_CHUNK_CHARS}))`;
  return `${niahHead(task)}
n_chunks = ${n}
size = max(1, -(-len(text) // n_chunks))
chunks = [text[i * size:(i + 1) * size + ${OVERLAP_CHARS}] for i in range(n_chunks)]
prompts = [
    f'Find the special magic {kind} for "{key}" in the text below. Reply with the value only, or NONE if it is not there.\\n\\nText:\\n{chunk}'
    for chunk in chunks
]
replies = llm_query_batched(prompts)
${RETRY}
${NIAH_COLLECT}
print(f"searched {len(text)} characters in {n_chunks} chunks; failed sub-calls: {errors}")
${REPORT}${finalInCode(o.final)}`;
}

/** Needle search in plain Python (no sub-calls): the fallback after an error, and the `subcalls=0` strategy. */
export function niahScanCode(task: NiahTask, o: { final: FinalStyle }): string {
  return `${niahHead(task)}
candidates = list(dict.fromkeys(re.findall(pattern, text, flags=re.I)))
final_answer = ", ".join(candidates) if candidates else "NONE"
print(f"scanned {len(text)} characters; {len(candidates)} match(es)")
${REPORT}${finalInCode(o.final)}`;
}

/** Depth 2: a child RLM per half of the context, each asked the same needle question for its part. */
export function niahDepth2Code(task: NiahTask, o: { final: FinalStyle }): string {
  return `${niahHead(task)}
half = -(-len(text) // 2)
parts = [text[:half + ${OVERLAP_CHARS}], text[half:]]
replies = []
for i, part in enumerate(parts):
    q = f'Find the special magic {kind} for "{key}" in the context. Reply with the value only, or NONE. [part {i + 1}/{len(parts)}]'
    replies.append(str(rlm_query(q, context=part)))
errors = sum(1 for r in replies if r.startswith("[ERROR]") or r.startswith("Error"))
${NIAH_COLLECT}
print(f"asked {len(parts)} child RLMs; failed: {errors}; replies: {replies}")
${REPORT}${finalInCode(o.final)}`;
}

function countHead(task: CountTask): string {
  const users = task.users ? `set(json.loads(${py(JSON.stringify(task.users))}))` : "None";
  return `${PRELUDE}
users = ${users}
month = ${task.month ?? "None"}
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

def _user(line):
    m = re.search(r"User:\\s*(\\d+)", line)
    return m.group(1) if m else None

def _date(line):
    m = re.search(r"Date:\\s*([^|]*?)\\s*(?:\\|\\||$)", line)
    s = m.group(1) if m else ""
    m = re.match(r"([A-Za-z]+)\\.?\\s+(\\d{1,2}),?\\s+(\\d{4})$", s)
    if m and m.group(1)[:3].lower() in MONTHS:
        return (int(m.group(3)), MONTHS.index(m.group(1)[:3].lower()) + 1, int(m.group(2)))
    m = re.match(r"(\\d{4})-(\\d{1,2})-(\\d{1,2})$", s)
    if m:
        return (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = re.match(r"(\\d{1,2})/(\\d{1,2})/(\\d{4})$", s)
    if m:
        return (int(m.group(3)), int(m.group(1)), int(m.group(2)))
    return None

def _month(line):
    d = _date(line)
    return d[1] if d else None

# The label set: the question's list, else the one the context's own description gives (0 for absent labels).
labels = json.loads(${py(JSON.stringify(task.labels))})
if not labels:
    prose = "\\n".join(l for l in text.splitlines() if "||" not in l)
    m = re.search(r"one of (?:these|the following|\\d+) (?:categories|labels)\\s*:\\s*([^.\\n]+)", prose, flags=re.I)
    if m:
        labels = [re.sub(r"^(?:and|or)\\s+", "", s.strip(), flags=re.I).strip("'\\" ").lower() for s in m.group(1).split(",")]
        labels = [l for l in labels if 0 < len(l) < 60]
label_note = ("Each line has one of these labels: " + ", ".join("'" + l + "'" for l in labels) + ".\\n") if labels else ""

lines = [
    l for l in text.splitlines()
    if "||" in l and (users is None or _user(l) in users) and (month is None or _month(l) == month)
]
counts = {label: 0 for label in labels}`;
}

const COUNT_COLLECT = `bad = 0
for r in replies:
    r = str(r)
    try:
        part = json.loads(r[r.index("{"):r.rindex("}") + 1])
        for label, n in part.items():
            label = str(label).strip().lower()
            counts[label] = counts.get(label, 0) + int(n)
    except (ValueError, TypeError, AttributeError):
        bad += 1`;

/** Turns `counts` into the answer the question's form asks for. */
function countAnswer(task: CountTask): string {
  switch (task.mode) {
    case "count":
      return `final_answer = "Answer: " + str(counts.get(${py(task.target ?? "")}, 0))`;
    case "most":
      return `final_answer = "Label: " + (max(sorted(counts), key=lambda k: counts[k]) if counts else "unknown")`;
    case "least":
      return `final_answer = "Label: " + (min(sorted(counts), key=lambda k: counts[k]) if counts else "unknown")`;
    case "compare":
      return `a, b = ${py(task.target ?? "")}, ${py(task.other ?? "")}
ca, cb = counts.get(a, 0), counts.get(b, 0)
relation = "more common than" if ca > cb else "less common than" if ca < cb else "same frequency as"
final_answer = f"Answer: {a} is {relation} {b}"`;
    case "all":
      return "final_answer = json.dumps(counts, sort_keys=True)";
    default:
      // The per-line modes are answered by `tallyCode`; here they can only report the totals.
      return "final_answer = json.dumps(counts, sort_keys=True)";
  }
}

/** Label counting: line groups, one `llm_query_batched` asking for per-label counts, summed in Python. */
export function countCode(task: CountTask, o: { fanOut?: number; final: FinalStyle }): string {
  const n = o.fanOut ?? `max(1, -(-len(lines) // ${COUNT_CHUNK_LINES}))`;
  return `${countHead(task)}
n_chunks = ${n}
groups = [lines[i * len(lines) // n_chunks:(i + 1) * len(lines) // n_chunks] for i in range(n_chunks)]
prompts = [
    "Classify every data line below by its label and count them. Reply with only a JSON object mapping each label to its count.\\n" + label_note + "\\nLines:\\n" + "\\n".join(g)
    for g in groups
]
replies = llm_query_batched(prompts)
${RETRY}
${COUNT_COLLECT}
print(f"{len(lines)} data lines in {n_chunks} chunks; failed sub-calls: {errors}; unusable replies: {bad}")
print("counts:", json.dumps(counts, sort_keys=True))
${countAnswer(task)}
${REPORT}${finalInCode(o.final)}`;
}

/** Depth 2: a child RLM per half of the lines, each asked for all label counts as JSON, summed here. */
export function countDepth2Code(task: CountTask, o: { final: FinalStyle }): string {
  return `${countHead(task)}
half = len(lines) // 2
parts = ["\\n".join(lines[:half]), "\\n".join(lines[half:])]
replies = []
for i, part in enumerate(parts):
    q = f"Count the data lines in the context by label. {label_note}Reply with a JSON object mapping each label to its count. [part {i + 1}/{len(parts)}]"
    replies.append(str(rlm_query(q, context=part)))
${COUNT_COLLECT}
print(f"{len(lines)} data lines in {len(parts)} child RLMs; unusable replies: {bad}")
print("counts:", json.dumps(counts, sort_keys=True))
${countAnswer(task)}
${REPORT}${finalInCode(o.final)}`;
}

/** The answer of a per-line question from `rows` (each data line with its label, or None). */
function tallyAnswer(task: CountTask): string {
  const target = `${py(task.target ?? "")} or None`;
  switch (task.mode) {
    case "pair-user": {
      const [u, v] = task.pair ?? ["", ""];
      return `target = ${target}
u, v = ${py(u)}, ${py(v)}
cu = sum(1 for line, label in rows if label == target and _user(line) == u)
cv = sum(1 for line, label in rows if label == target and _user(line) == v)
print(f"lines labelled {target}: user {u}: {cu}, user {v}: {cv}")
final_answer = "User: " + (u if cu >= cv else v)`;
    }
    case "top-date":
      return `tally = {}
for line, label in rows:
    d = _date(line)
    if d is not None:
        tally[d] = tally.get(d, 0) + 1
best = max(sorted(tally), key=lambda k: tally[k]) if tally else None
print("dates:", len(tally), "busiest:", best, tally.get(best))
final_answer = "Date: %02d/%02d/%04d" % (best[1], best[2], best[0]) if best else "Date: unknown"`;
    case "first-month":
    case "months": {
      const answer =
        task.mode === "months"
          ? `final_answer = "Answer: " + str(len(more))`
          : `final_answer = "Answer: " + (MONTH_NAMES[more[0][1] - 1] + " " + str(more[0][0]) if more else "none")`;
      return `a, b = ${py(task.target ?? "")}, ${py(task.other ?? "")}
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
monthly = {}
for line, label in rows:
    d = _date(line)
    if d is None or label not in (a, b):
        continue
    pair = monthly.setdefault((d[0], d[1]), [0, 0])
    pair[0 if label == a else 1] += 1
more = [k for k in sorted(monthly) if monthly[k][0] > monthly[k][1]]
print(f"months with more {a} than {b}:", ["%04d-%02d" % k for k in more])
${answer}`;
    }
    default:
      return `target = ${target}
tally = {}
for line, label in rows:
    if target is None or label == target:
        u = _user(line)
        if u is not None:
            tally[u] = tally.get(u, 0) + 1
best = max(sorted(tally), key=lambda k: tally[k]) if tally else "unknown"
print("users:", len(tally), "top:", best, tally.get(best))
final_answer = "User: " + best`;
  }
}

/**
 * User and timeline questions: per-line labels from `llm_query_batched` (200-line groups, each reply a JSON list
 * with one label per line), then counting by user, date or month in Python. The questions that need no labels (the
 * most frequent user or date) are counted in Python alone, as a careful model would.
 */
export function tallyCode(task: CountTask, o: { fanOut?: number; final: FinalStyle }): string {
  const needLabels = task.mode !== "top-date" && !(task.mode === "top-user" && !task.target);
  const n = o.fanOut ?? `max(1, -(-len(lines) // ${COUNT_CHUNK_LINES}))`;
  const classify = `n_chunks = ${n}
groups = [lines[i * len(lines) // n_chunks:(i + 1) * len(lines) // n_chunks] for i in range(n_chunks)]
prompts = [
    "Classify each data line below by its label. Reply with only a JSON list of the labels, one per line, in order.\\n" + label_note + "\\nLines:\\n" + "\\n".join(g)
    for g in groups
]
replies = llm_query_batched(prompts)
${RETRY}
line_labels = []
bad = 0
for g, r in zip(groups, replies):
    r = str(r)
    try:
        got = json.loads(r[r.index("["):r.rindex("]") + 1])
        if not isinstance(got, list) or len(got) != len(g):
            raise ValueError("expected one label per line")
        line_labels.extend(str(x).strip().lower() for x in got)
    except (ValueError, TypeError):
        bad += 1
        line_labels.extend([None] * len(g))
print(f"{len(lines)} data lines in {n_chunks} chunks; failed sub-calls: {errors}; unusable replies: {bad}")`;
  const noLabels = `line_labels = [None] * len(lines)
print(f"{len(lines)} data lines; this question needs no labels")`;
  return `${countHead(task)}
${needLabels ? classify : noLabels}
rows = list(zip(lines, line_labels))
${tallyAnswer(task)}
${REPORT}${finalInCode(o.final)}`;
}

/** Generic fan-out: N chunks, each sub-call counts its chunk's characters; the sum must equal the context's size. */
export function fanOutCode(n: number, o: { final: FinalStyle }): string {
  return `${PRELUDE}
n_chunks = ${n}
size = max(1, -(-len(text) // n_chunks))
chunks = [text[i * size:(i + 1) * size] for i in range(n_chunks)]
prompts = ["Count the characters of the text after the line '---'. Reply with the number only.\\n---\\n" + c for c in chunks]
replies = llm_query_batched(prompts)
ok = [r for r in replies if str(r).strip().isdigit()]
total = sum(int(r) for r in ok)
final_answer = f"fan-out {n_chunks}: {len(ok)}/{n_chunks} sub-calls ok, {total} of {len(text)} characters"
${REPORT}${finalInCode(o.final)}`;
}

/** For a question the solver does not know: describe the context and say so. */
export const PRELUDE_GENERIC = `${PRELUDE}
final_answer = f"I found no task I can solve in the question; the context is a {type(context).__name__} with {len(text)} characters."
${REPORT}`;
