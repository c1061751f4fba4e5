/** A test client for a session's WebSocket: opens it through the real Worker and collects every frame it receives. */
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import type { ServerFrame } from "../../worker/contracts/session";
import { call } from "./harness";
import { llmRequests, scriptReplies } from "./scripted-llm";

export class SessionSocket {
  readonly frames: ServerFrame[] = [];
  #waiters: Array<() => void> = [];
  closed = false;
  /** The close code the server sent, once closed. */
  closeCode: number | null = null;

  constructor(readonly ws: WebSocket) {
    ws.addEventListener("message", (event) => {
      this.frames.push(JSON.parse(String(event.data)) as ServerFrame);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    ws.addEventListener("close", (event) => {
      this.closed = true;
      this.closeCode = event.code;
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** Resolves with the first frame (received so far or later) that matches; fails after `timeoutMs`. */
  async waitFor(match: (frame: ServerFrame) => boolean, timeoutMs = 20_000): Promise<ServerFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) {
        const kinds = this.frames.map((f) => `${f.seq}:${f.kind}`).join(" ");
        throw new Error(`No matching frame within ${timeoutMs} ms; got ${kinds}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for the end of a turn: `turn_completed`, `cancelled` or a terminal `error`. */
  waitForTurnEnd(timeoutMs?: number): Promise<ServerFrame> {
    return this.waitFor(
      (f) => f.kind === "turn_completed" || f.kind === "cancelled" || (f.kind === "error" && f.data.terminal === true),
      timeoutMs,
    );
  }

  /** Frames that belong to the session's history (not replies to this socket alone). */
  get logged(): ServerFrame[] {
    return this.frames.filter((f) => f.seq !== null);
  }

  close(): void {
    this.ws.close(1000, "done");
  }

  /** Resolves with the close code once the server closes the socket; fails after `timeoutMs`. */
  async waitForClose(timeoutMs = 15_000): Promise<number | null> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error(`The socket stayed open for ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.closeCode;
  }
}

/** Opens a session's socket with an API key (or any headers/query given). */
export async function openSocket(
  sessionId: string,
  auth: { key?: string; query?: string } = {},
): Promise<SessionSocket> {
  const headers = new Headers({ upgrade: "websocket" });
  if (auth.key) headers.set("authorization", `Bearer ${auth.key}`);
  const res = await exports.default.fetch(
    new Request(`https://fleet.test/v1/sessions/${sessionId}/ws${auth.query ?? ""}`, { headers }),
  );
  expect(res.status, await (res.status === 101 ? "" : res.clone().text())).toBe(101);
  const ws = res.webSocket;
  if (!ws) throw new Error("no WebSocket in the 101 response");
  ws.accept();
  return new SessionSocket(ws);
}

/** Creates a session over the API. */
export async function createSession(key: string, title?: string): Promise<string> {
  const res = await call("/v1/sessions", { method: "POST", key, json: title ? { title } : {} });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** Queues replies for the scripted model `scripted:<scriptId>`. */
export const script = scriptReplies;

/** The requests the scripted server received for `model`, oldest first. */
export const requestsOf = llmRequests<{ body: { messages: Array<{ role: string; content: string | null }> } }>;

/** Asserts `seqs` are exactly 1…n, each once. */
export function expectGapless(seqs: number[]): void {
  const sorted = [...seqs].sort((a, b) => a - b);
  expect(sorted).toEqual(Array.from({ length: sorted.length }, (_, i) => i + 1));
}
