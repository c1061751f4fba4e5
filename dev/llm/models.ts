import type { Mode } from "./types";

/** Who the solver plays for a request; `auto` decides from the request itself (see `solver/index.ts`). */
export type SolverRole = "auto" | "root" | "sub" | "agent" | "summary";

/** How the solver's root returns its answer. `auto`: `FINAL_VAR` for needles and child runs, `FINAL(...)` else. */
export type FinalStyle = "auto" | "var" | "text" | "code" | "dict";

/** Options of the rule-driven solver, chosen by the model name. */
export interface SolverFlags {
  /** Root splits the context in halves and calls `rlm_query` on each (needs an engine depth limit ≥ 2). */
  depth2: boolean;
  role: SolverRole;
  final: FinalStyle;
  /** Turns spent peeking at the context before computing (exercises longer trajectories and `max_iterations`). */
  explore: number;
  /** `false`: the root computes in plain Python without sub-calls (the paper's "no sub-calls" ablation). */
  subcalls: boolean;
}

/** How a model name is served. */
export type ModelRoute =
  | { kind: "script"; queue: string }
  | { kind: "solver"; flags: SolverFlags }
  | { kind: "unknown" };

/** Options that widen the set of accepted model names. */
export interface ModelOptions {
  /** Extra names (e.g. `gpt-5-mini`) served by `defaultMode`. */
  aliases: readonly string[];
  defaultMode: Mode;
  /** Serve any unknown name with `defaultMode` instead of answering 404. */
  acceptAnyModel: boolean;
}

/** The queue that `scripted` (no id) uses. */
export const DEFAULT_QUEUE = "default";

/** Names `GET /v1/models` always lists. */
export const BUILTIN_MODELS = ["scripted", "solver", "solver-depth2"] as const;

const DEFAULT_FLAGS: SolverFlags = { depth2: false, role: "auto", final: "auto", explore: 0, subcalls: true };

function parseFlags(base: SolverFlags, spec: string): SolverFlags | null {
  const flags = { ...base };
  for (const part of spec.split(",").filter(Boolean)) {
    const [k, v = ""] = part.split("=", 2);
    if (k === "role" && ["auto", "root", "sub", "agent", "summary"].includes(v)) flags.role = v as SolverRole;
    else if (k === "final" && ["auto", "var", "text", "code", "dict"].includes(v)) flags.final = v as FinalStyle;
    // A hundred turns is enough for the longest runs the tests make (60 iterations against a small window).
    else if (k === "explore" && /^\d+$/.test(v)) flags.explore = Math.min(Number(v), 100);
    else if (k === "subcalls" && (v === "0" || v === "1")) flags.subcalls = v === "1";
    else if (k === "depth2" && (v === "0" || v === "1")) flags.depth2 = v === "1";
    else return null;
  }
  return flags;
}

/**
 * Maps a model name to its behaviour:
 * - `scripted` → the `default` queue; `scripted:<scriptId>` → queue `<scriptId>`.
 * - `solver`, `solver-depth2`, each optionally followed by `:<flag>=<v>,…` (flags: `role`, `final`, `explore`,
 *   `subcalls`, `depth2`), e.g. `solver:final=code,explore=1`.
 * - an alias (or any name with `acceptAnyModel`) → `defaultMode`; in script mode its queue is the name itself.
 */
export function routeModel(model: string, opts: ModelOptions): ModelRoute {
  if (model === "scripted") return { kind: "script", queue: DEFAULT_QUEUE };
  if (model.startsWith("scripted:") && model.length > "scripted:".length) {
    return { kind: "script", queue: model.slice("scripted:".length) };
  }
  const m = /^solver(-depth2)?(?::(.*))?$/.exec(model);
  if (m) {
    const flags = parseFlags({ ...DEFAULT_FLAGS, depth2: m[1] !== undefined }, m[2] ?? "");
    return flags ? { kind: "solver", flags } : { kind: "unknown" };
  }
  if (opts.aliases.includes(model) || opts.acceptAnyModel) {
    return opts.defaultMode === "script"
      ? { kind: "script", queue: model }
      : { kind: "solver", flags: { ...DEFAULT_FLAGS } };
  }
  return { kind: "unknown" };
}
