/**
 * Runs `mini_rlm.py` (a minimal paper-era RLM loop in Python) against a scripted LLM server. Tests use it to check
 * that the solver's Python really runs and answers; it always spawns asynchronously, because the server usually
 * lives in the same Node process and must keep serving while Python waits on it.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("./mini_rlm.py", import.meta.url));

/** What `mini_rlm.py` prints. */
export interface MiniRlmResult {
  answer: string;
  /** `final_var`, `final`, `code` (FINAL_VAR called in code), `dict` (answer["ready"]) or `forced`. */
  final_source: string;
  iterations: number;
  root_calls: number;
  sub_calls: number;
  child_runs: number;
  max_depth_seen: number;
}

/** Options of {@link runMiniRlm}. */
export interface MiniRlmOptions {
  baseUrl: string;
  model: string;
  subModel?: string;
  question: string;
  /** A string, or a list/dict (sent as JSON and loaded as such). */
  context: unknown;
  maxIterations?: number;
  /** 1: `rlm_query` degrades to a plain sub-call; 2: it runs a child RLM. */
  maxDepth?: number;
  apiKey?: string;
}

/** Runs one RLM completion in Python and returns its result. */
export async function runMiniRlm(o: MiniRlmOptions): Promise<MiniRlmResult> {
  const dir = await mkdtemp(join(tmpdir(), "mini-rlm-"));
  try {
    const file = join(dir, "context");
    const isText = typeof o.context === "string";
    await writeFile(file, isText ? (o.context as string) : JSON.stringify(o.context));
    const args = [
      SCRIPT,
      ["--base-url", o.baseUrl],
      ["--model", o.model],
      ["--sub-model", o.subModel ?? "solver"],
      ["--question", o.question],
      ["--context-file", file],
      ["--context-format", isText ? "text" : "json"],
      ["--max-iterations", String(o.maxIterations ?? 8)],
      ["--max-depth", String(o.maxDepth ?? 1)],
      ["--api-key", o.apiKey ?? ""],
    ].flat();
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile("python3", args, { maxBuffer: 64 * 1024 * 1024 }, (err, out, errOut) => {
        if (err) reject(new Error(`mini_rlm.py failed: ${err.message}\n${errOut}`));
        else resolve(out);
      });
    });
    return JSON.parse(stdout) as MiniRlmResult;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
