/**
 * A session as a Markdown transcript (`GET /v1/sessions/{id}/transcript`): each turn's message and answer, or how
 * it ended, with its usage. Pure, so it is tested without servers.
 */
import type { Session, Turn } from "../contracts/session";

/** Turn titles show this many characters of the message. */
const TITLE_CHARS = 80;

function quote(text: string): string {
  return text
    .split("\n")
    .map((line) => (line ? `> ${line}` : ">"))
    .join("\n");
}

function outcome(turn: Turn): string {
  switch (turn.status) {
    case "completed":
      return turn.answer ?? "";
    case "failed":
      return `_The turn failed: ${turn.error?.message ?? "no reason was recorded"}${turn.error ? ` (\`${turn.error.code}\`)` : ""}._`;
    case "cancelled":
      return "_The turn was cancelled._";
    case "running":
      return "_Still running when the transcript was made._";
  }
}

function usageLine(turn: Turn): string | null {
  const u = turn.usage;
  if (!u || u.llmCalls === 0) return null;
  const tokens = u.promptTokens + u.completionTokens;
  return `<sub>${u.llmCalls} LLM call${u.llmCalls === 1 ? "" : "s"} · ${tokens.toLocaleString("en-US")} tokens · $${u.costUsd.toFixed(4)}</sub>`;
}

/** The transcript of `session` with `turns` in order; `exportedAt` is stamped in its header. */
export function transcriptMarkdown(session: Session, turns: readonly Turn[], exportedAt: Date): string {
  const parts = [
    `# ${session.title}`,
    `Session \`${session.id}\` · created ${session.createdAt} · ${turns.length} turn${turns.length === 1 ? "" : "s"} · exported ${exportedAt.toISOString()}${session.status === "archived" ? " · archived" : ""}`,
  ];
  for (const turn of turns) {
    const firstLine = turn.userMessage.split("\n")[0] ?? "";
    const title = firstLine.length > TITLE_CHARS ? `${firstLine.slice(0, TITLE_CHARS - 1)}…` : firstLine;
    parts.push(
      `## ${turn.index + 1}. ${title}`,
      `**You** · ${turn.startedAt}`,
      quote(turn.userMessage),
      `**Assistant**${turn.completedAt ? ` · ${turn.completedAt}` : ""}`,
      outcome(turn),
    );
    const usage = usageLine(turn);
    if (usage) parts.push(usage);
  }
  return `${parts.join("\n\n")}\n`;
}

/** A file name for the transcript: the title's words, safe anywhere. */
export function transcriptFileName(session: Session): string {
  const slug = session.title
    .normalize("NFKD")
    .replace(/[^\w\s-]/g, "")
    .trim()
    .replace(/[\s_-]+/g, "-")
    .toLowerCase()
    .slice(0, 60);
  return `${slug || "session"}-${session.id.slice(0, 8)}.md`;
}
