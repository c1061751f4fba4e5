/**
 * The conversation as the chat column shows it, folded from the session's frames: per turn the user's message, the
 * streamed answer, the agent's reasoning, its ending and any feedback. Text streamed during an agent iteration that
 * turns out to call tools is reasoning, not the answer: the `reasoning` frame for that iteration moves it over.
 */
import type { ServerFrame } from "../api/types";

/** How a turn ended, or that it has not yet. */
export type TurnStatus = "running" | "completed" | "failed" | "cancelled";

/** One exchange. */
export interface ChatTurn {
  turnId: string;
  /** The agent run: the root of the turn's trace, and what feedback is about. */
  runId: string;
  userText: string;
  mode: string;
  documents: Array<{ id: string; name: string }>;
  /** The answer so far (final once the turn completed). */
  answer: string;
  reasoning: string[];
  status: TurnStatus;
  error: { code: string; message: string } | null;
  warnings: string[];
  /** True when the agent ran out of iterations and was made to answer. */
  forced: boolean;
  feedback: 1 | -1 | null;
  startedTs: number;
  endedTs: number | null;
}

/** Folds frames into turns. Mutable and incremental, like the trace builder. */
export class Transcript {
  readonly turns: ChatTurn[] = [];
  version = 0;
  /** Streamed text per iteration of the running turn, until we know whether it was an answer or reasoning. */
  #pending = new Map<number, string>();

  /** Applies one logged frame. */
  apply(frame: ServerFrame): void {
    if (frame.seq === null) return;
    const data = frame.data;
    if (frame.kind === "turn_started") {
      this.version += 1;
      this.#pending = new Map();
      this.turns.push({
        turnId: frame.turnId ?? String(frame.seq),
        runId: frame.runId ?? "",
        userText: typeof data.text === "string" ? data.text : "",
        mode: typeof data.mode === "string" ? data.mode : "auto",
        documents: Array.isArray(data.documents) ? (data.documents as ChatTurn["documents"]) : [],
        answer: "",
        reasoning: [],
        status: "running",
        error: null,
        warnings: [],
        forced: false,
        feedback: null,
        startedTs: frame.ts,
        endedTs: null,
      });
      return;
    }
    if (frame.kind === "feedback_saved") {
      const turn = this.turns.find((t) => t.runId === frame.runId);
      if (turn && (data.score === 1 || data.score === -1)) {
        turn.feedback = data.score;
        this.version += 1;
      }
      return;
    }
    const turn = this.#turnOf(frame);
    if (!turn) return;
    switch (frame.kind) {
      case "assistant_delta": {
        const iteration = typeof data.iteration === "number" ? data.iteration : 0;
        this.#pending.set(iteration, (this.#pending.get(iteration) ?? "") + String(data.text ?? ""));
        turn.answer = this.#pending.get(iteration) ?? "";
        break;
      }
      case "reasoning": {
        const iteration = typeof data.iteration === "number" ? data.iteration : 0;
        this.#pending.delete(iteration);
        turn.reasoning.push(String(data.text ?? ""));
        turn.answer = "";
        break;
      }
      case "warning":
        // RLM-internal warnings show in the trace; the chat keeps the agent's own.
        if ((frame.depth ?? 0) === 0) turn.warnings.push(String(data.message ?? data.code ?? "warning"));
        break;
      case "turn_completed":
        turn.status = "completed";
        turn.answer = typeof data.answer === "string" ? data.answer : turn.answer;
        turn.forced = data.forced === true;
        turn.endedTs = frame.ts;
        break;
      case "cancelled":
        turn.status = "cancelled";
        turn.endedTs = frame.ts;
        break;
      case "error":
        if (data.terminal !== true) return;
        turn.status = "failed";
        turn.error = { code: String(data.code ?? "internal"), message: String(data.message ?? "") };
        turn.endedTs = frame.ts;
        break;
      default:
        return;
    }
    this.version += 1;
  }

  /** The running turn, if any. */
  get running(): ChatTurn | undefined {
    const last = this.turns.at(-1);
    return last?.status === "running" ? last : undefined;
  }

  #turnOf(frame: ServerFrame): ChatTurn | undefined {
    if (frame.turnId) {
      for (let i = this.turns.length - 1; i >= 0; i -= 1) {
        if (this.turns[i]?.turnId === frame.turnId) return this.turns[i];
      }
    }
    return this.turns.at(-1);
  }
}
