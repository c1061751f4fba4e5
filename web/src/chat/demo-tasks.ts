/**
 * The one-click demo tasks of the empty chat: a sample document and a question the demo model (and any real model)
 * can answer, made here in the browser so the demo needs nothing on the server but the documents API. Both are
 * seeded, so the right answer is known and shown beside the task: a newcomer can check what the fan-out found.
 */

/** A demo task: a document to upload, the question to send with it, and the answer to expect (as the user reads it). */
export interface DemoTask {
  id: "needle" | "counting";
  title: string;
  blurb: string;
  fileName: string;
  text: string;
  question: string;
  expected: string;
}

/** A small seeded generator (mulberry32): the same document on every click and in every test. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NOISE = "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again. ";
// 300,000 characters: at the engine's 20,000-character chunks, some fifteen sub-calls, each found in the trace.
const HAYSTACK_CHARS = 300_000;

function needleTask(): DemoTask {
  const next = random(42);
  const number = () => String(1_000_000 + Math.floor(next() * 9_000_000));
  const value = number();
  const repeats = Math.ceil(HAYSTACK_CHARS / NOISE.length);
  const parts = Array.from({ length: repeats }, () => NOISE);
  parts.splice(Math.floor(repeats * 0.15), 0, `One of the special magic numbers for quiet-harbor is: ${number()}. `);
  parts.splice(Math.floor(repeats * 0.62), 0, `One of the special magic numbers for gentle-comet is: ${value}. `);
  parts.splice(Math.floor(repeats * 0.8), 0, `One of the special magic numbers for brave-falcon is: ${number()}. `);
  return {
    id: "needle",
    title: "Find a needle in a haystack",
    blurb: "A 300 KB text with one magic number hidden in it; the model splits it and asks sub-models about each part.",
    fileName: "demo-haystack.txt",
    text: parts.join(""),
    question: "What is the special magic number for gentle-comet mentioned in the document?",
    expected: value,
  };
}

// Lines whose labels the demo model's keyword classifier gets right (the same pools its tests check).
const INSTANCES: Record<string, string[]> = {
  abbreviation: ["What does NASA stand for ?", "What is the abbreviation for Texas ?", "What is the acronym CPR ?"],
  entity: ["What instrument did Miles Davis play ?", "Which breed of dog is the smallest ?", "What color is a ruby ?"],
  "description and abstract concept": ["Why is the sky blue ?", "How do bees make honey ?", "What is a quasar ?"],
  "human being": ["Who wrote Hamlet ?", "Who painted the Mona Lisa ?", "What president freed the slaves ?"],
  location: ["Where is the Eiffel Tower ?", "What country has the most lakes ?", "Where do penguins live ?"],
  "numeric value": ["How many legs does a spider have ?", "When did World War II end ?", "How far is the moon ?"],
};
const LABELS = Object.keys(INSTANCES);
// 1,600 lines: eight sub-calls of 200 lines each, summed in Python.
const COUNT_LINES = 1_600;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function countingTask(): DemoTask {
  const next = random(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const users = Array.from({ length: 12 }, () => String(10_000 + Math.floor(next() * 90_000)));
  let locations = 0;
  const lines = [
    `The following lines contain ${COUNT_LINES} general-knowledge questions, one per line. Each question has an answer that can be described as one of 6 categories: ${LABELS.join(", ")}.`,
  ];
  for (let i = 0; i < COUNT_LINES; i++) {
    const label = pick(LABELS);
    if (label === "location") locations += 1;
    const date = `${pick(MONTHS)} ${String(1 + Math.floor(next() * 28)).padStart(2, "0")}, ${2022 + Math.floor(next() * 4)}`;
    lines.push(`Date: ${date} || User: ${pick(users)} || Instance: ${pick(INSTANCES[label] ?? [])}`);
  }
  lines.push(`Recall: the preceding lines contain ${COUNT_LINES} general-knowledge questions, one per line.`);
  return {
    id: "counting",
    title: "Count labelled lines",
    blurb: "1,600 questions with no labels; sub-models label 200 lines each and Python adds the counts up.",
    fileName: "demo-questions.txt",
    text: lines.join("\n"),
    question: "How many lines in the document are labelled location?",
    expected: String(locations),
  };
}

/** Both demo tasks, made on demand (the haystack is 300 KB: build it only when asked). */
export function demoTasks(): DemoTask[] {
  return [needleTask(), countingTask()];
}
