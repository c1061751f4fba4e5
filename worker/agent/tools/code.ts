/** `execute_code`: Python in the session's own sandbox, whose variables persist across calls and turns. */
import { z } from "zod";
import type { ExecDone } from "../../contracts/repl";
import { isAppError } from "../../errors";
import { type AgentTool, defineTool } from "../tool";

/** The session's REPL, created or re-attached on first use. */
export interface SessionRepl {
  exec(code: string, options: { timeoutMs: number; signal: AbortSignal }): Promise<ExecDone>;
  /**
   * What the model should know about the REPL since the last call, once: that it is a new one, and which of the
   * earlier variables it got back. Null when nothing changed.
   */
  takeNotice?(): string | null;
}

/** Output shown to the model per stream; the sandbox reports the true length. */
const MAX_OUTPUT_CHARS = 10_000;

/** Formats an exec for the model: output, errors, and the true sizes when cut. */
export function formatExec(done: ExecDone): string {
  const parts: string[] = [];
  if (done.stdout)
    parts.push(
      done.stdout + (done.stdoutChars > done.stdout.length ? `\n[stdout: ${done.stdoutChars} characters in all]` : ""),
    );
  if (done.stderr) parts.push(`stderr:\n${done.stderr}`);
  if (done.error) parts.push(`${done.error.type}: ${done.error.message}`);
  return parts.length > 0 ? parts.join("\n") : "(no output)";
}

export function codeTools(repl: SessionRepl): AgentTool[] {
  return [
    defineTool({
      name: "execute_code",
      description:
        "Run Python 3 (standard library) in this session's sandbox. Variables persist across calls and turns; print what you need to see.",
      schema: z.object({
        code: z.string().min(1).max(100_000),
        timeout_seconds: z.number().int().min(1).max(600).default(60),
      }),
      async run(args, context) {
        let done: ExecDone;
        try {
          done = await repl.exec(args.code, { timeoutMs: args.timeout_seconds * 1000, signal: context.signal });
        } catch (err) {
          // A sandbox failure is an observation the agent can work around, not the end of the turn.
          if (context.signal.aborted || !isAppError(err)) throw err;
          return { ok: false, output: `[ERROR] The sandbox failed: ${err.message}. Try again or answer without it.` };
        }
        const notice = repl.takeNotice?.() ?? null;
        const output = formatExec({ ...done, stdout: done.stdout.slice(0, MAX_OUTPUT_CHARS) });
        return {
          ok: done.error === null,
          output: notice ? `[note] ${notice}\n${output}` : output,
          data: { durationMs: done.durationMs, stdoutChars: done.stdoutChars, error: done.error?.type ?? null },
        };
      },
    }),
  ];
}
