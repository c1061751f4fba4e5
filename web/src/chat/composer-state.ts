/**
 * What the composer remembers per session — execution mode, attached documents and the budget fields — so a reload
 * or a switch to another session and back finds them as they were. Storage is passed in (the page gives
 * `localStorage`), so the rules test without a browser; anything unreadable counts as nothing stored.
 */
import type { ExecutionMode } from "../api/types";

/** The composer's settings; budget fields are kept as typed (blank: the server's default). */
export interface ComposerState {
  mode: ExecutionMode;
  documents: string[];
  llmCalls: string;
  costUsd: string;
}

const PREFIX = "fleet-rlm.composer.";
const MODES: readonly ExecutionMode[] = ["auto", "rlm", "tools"];

/** The storage key of a session's settings. */
export function composerKey(sessionId: string): string {
  return `${PREFIX}${sessionId}`;
}

/** The stored settings under `key`, each field checked; missing or malformed fields take `fallback`'s. */
export function loadComposerState(
  storage: Pick<Storage, "getItem">,
  key: string,
  fallback: ComposerState,
): ComposerState {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(storage.getItem(key) ?? "{}") as Record<string, unknown>;
  } catch {
    return fallback;
  }
  const text = (v: unknown, or: string) => (typeof v === "string" && v.length < 32 ? v : or);
  return {
    mode: MODES.includes(raw.mode as ExecutionMode) ? (raw.mode as ExecutionMode) : fallback.mode,
    documents:
      Array.isArray(raw.documents) && raw.documents.every((d) => typeof d === "string")
        ? (raw.documents as string[])
        : fallback.documents,
    llmCalls: text(raw.llmCalls, fallback.llmCalls),
    costUsd: text(raw.costUsd, fallback.costUsd),
  };
}

/** Stores the settings; a full or refused storage only means they are not remembered. */
export function saveComposerState(storage: Pick<Storage, "setItem">, key: string, state: ComposerState): void {
  try {
    storage.setItem(key, JSON.stringify(state));
  } catch {
    // Quota or privacy mode: the composer still works, it only forgets.
  }
}
