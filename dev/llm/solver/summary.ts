/**
 * The solver as the summariser of a long RLM run (the engine's compaction call). It reads the transcript the way a
 * careful model would and keeps what the run needs to carry on: which turns ran code, what they printed first, every
 * `final_answer -> …` value and error line, and the findings of the summary before. The summary is bounded, however
 * many turns it covers.
 */
import type { ChatMessage } from "../types";

/** How a compaction request is recognised: the opening of the engine's summarising system prompt. */
export const SUMMARY_REQUEST = /^You summarise the earlier turns of a model/;
const TURN_LABEL = /^Turn (\d+), (the model wrote|it was told):$/;
const FINDING = /^(?:final_answer -> .*|Traceback \(most recent call last\)|[A-Za-z_.]*(?:Error|Exception)\b:.*)$/;
// The few lines that matter most; older ones give way to newer ones.
const MAX_FINDINGS = 6;

/** Whether `messages` ask for a summary of earlier turns. */
export function isSummaryRequest(messages: readonly ChatMessage[]): boolean {
  return messages.some((m) => m.role === "system" && SUMMARY_REQUEST.test(m.content));
}

/** The summary of the turns in the request's last user message. */
export function summaryReply(messages: readonly ChatMessage[]): string {
  const text = [...messages].reverse().find((m) => m.role === "user")?.content ?? "";
  const turns = new Set<number>();
  const firstOutputs: string[] = [];
  const findings: string[] = [];
  let codeBlocks = 0;
  let section: "model" | "repl" | "earlier" | null = null;
  let expectFirstOutput = false;
  for (const line of text.split("\n")) {
    const label = TURN_LABEL.exec(line);
    if (label) {
      turns.add(Number(label[1]));
      section = label[2] === "the model wrote" ? "model" : "repl";
      expectFirstOutput = section === "repl";
      continue;
    }
    if (line.startsWith("The summary of the turns before these:")) section = "earlier";
    else if (line.startsWith("The turns to summarise:")) section = null;
    else if (section === "model" && line.startsWith("```repl")) codeBlocks += 1;
    else if (section === "earlier" && line.startsWith("- ")) findings.push(line.slice(2));
    else if (section === "repl" || section === "earlier") {
      if (FINDING.test(line.trim())) findings.push(line.trim());
      else if (section === "repl" && expectFirstOutput && line.trim() !== "" && line.trim() !== "REPL output:") {
        firstOutputs.push(line.trim().slice(0, 120));
        expectFirstOutput = false;
      }
    }
  }
  const numbers = [...turns].sort((a, b) => a - b);
  const span = numbers.length > 0 ? `turns ${numbers[0]}–${numbers.at(-1)}` : "no turns";
  const distinct = [...new Set(firstOutputs)];
  const kept = [...new Set(findings)].slice(-MAX_FINDINGS);
  return [
    `In ${span} the model ran ${codeBlocks} code block(s).`,
    distinct.length > 0 ? `They printed: ${distinct.slice(0, 3).join(" | ")}` : "They printed nothing.",
    kept.length > 0 ? "Findings:" : "Findings: none yet.",
    ...kept.map((f) => `- ${f}`),
  ].join("\n");
}
