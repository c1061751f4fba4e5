/**
 * One load step of `npm run bench:ws`: N new sessions, each with its own socket and scripted queue, stream one turn
 * at the same moment; every frame's delivery latency is kept and every session's `seq`s are checked against the
 * server's log for gaps and duplicates.
 */
import { orThrow } from "../../client/src/index";
import type { BenchStack } from "../stack";
import { BenchSocket, nowMs } from "./client";

/** Characters per streamed chunk: 15-character words and a space, so every chunk is exactly 4 scripted tokens. */
export const CHUNK_CHARS = 16;

/**
 * A reply the scripted server streams as exactly `chunks` content deltas of {@link CHUNK_CHARS} characters (its
 * `splitDeltas` cuts after the last space within each chunk).
 */
export function streamedReply(chunks: number): string {
  return Array.from({ length: chunks }, (_, i) => `w${String(i).padStart(CHUNK_CHARS - 2, "0")} `).join("");
}

/** How a session's received `seq`s compare with the server's log: each of 1…last must arrive exactly once. */
export interface SeqCheck {
  lost: number;
  duplicated: number;
  /** Frames that arrived after a higher `seq` did. */
  outOfOrder: number;
}

/** Compares the `seq`s one socket received, in arrival order, with the last `seq` the server logged. */
export function checkSeqs(received: number[], serverLast: number): SeqCheck {
  const seen = new Set(received);
  let lost = 0;
  for (let seq = 1; seq <= serverLast; seq += 1) if (!seen.has(seq)) lost += 1;
  let outOfOrder = 0;
  let highest = 0;
  for (const seq of received) {
    if (seq < highest) outOfOrder += 1;
    highest = Math.max(highest, seq);
  }
  return { lost, duplicated: received.length - seen.size, outOfOrder };
}

/** What one step measured. */
export interface StepResult {
  sessions: number;
  /** Logged frames received, over all sessions. */
  delivered: number;
  /** `receivedAt − ts` of every logged frame, ms. */
  latencies: number[];
  lost: number;
  duplicated: number;
  completed: number;
  /** Sockets the server closed during the step. */
  dropped: number;
  /** Everything that went wrong, one line each: error frames, socket failures, timeouts, reordering. */
  errors: string[];
  /** From sending the messages to the last turn's end. */
  wallMs: number;
}

/** Creates a session and opens its socket, already receiving live frames (`resume` from 0). */
export async function openSession(stack: BenchStack): Promise<{ id: string; socket: BenchSocket }> {
  const { id } = orThrow(await stack.client.POST("/v1/sessions", { body: {} }));
  const socket = await BenchSocket.open(stack.url, id, stack.apiKey);
  socket.send({ type: "resume", after: 0 });
  return { id, socket };
}

/** Queues `reply` for the scripted model `scripted:<scriptId>`. */
export async function scriptReply(stack: BenchStack, scriptId: string, reply: string): Promise<void> {
  const res = await fetch(`${stack.llmAdmin}/__admin/script`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ scriptId, replies: [reply], replace: true }),
  });
  if (!res.ok) throw new Error(`scripting ${scriptId}: ${res.status}`);
}

/** Sends the message that makes `scripted:<scriptId>` answer. */
export function sendMessage(socket: BenchSocket, scriptId: string): void {
  socket.send({ type: "message", text: "Stream the reply", models: { planner: `scripted:${scriptId}` } });
}

/** Runs one turn in each of `n` new sessions at once; `chunks` deltas each; a turn gets `timeoutMs` to end. */
export async function runStep(stack: BenchStack, n: number, chunks: number, timeoutMs: number): Promise<StepResult> {
  const reply = streamedReply(chunks);
  const sessions = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const scriptId = `ws-${n}-${i}-${crypto.randomUUID()}`;
      await scriptReply(stack, scriptId, reply);
      return { scriptId, ...(await openSession(stack)) };
    }),
  );
  const started = nowMs();
  for (const s of sessions) sendMessage(s.socket, s.scriptId);
  const errors: string[] = [];
  let completed = 0;
  await Promise.all(
    sessions.map(async (s) => {
      try {
        const end = await s.socket.turnEnd(timeoutMs);
        if (end.kind === "turn_completed") completed += 1;
        else errors.push(`${s.id}: turn ended ${end.kind} ${JSON.stringify(end.data)}`);
      } catch (err) {
        errors.push(`${s.id}: ${(err as Error).message}`);
      }
    }),
  );
  const wallMs = nowMs() - started;

  const result: StepResult = {
    sessions: n,
    delivered: 0,
    latencies: [],
    lost: 0,
    duplicated: 0,
    completed,
    dropped: sessions.filter((s) => s.socket.serverClose !== null).length,
    errors,
    wallMs,
  };
  for (const s of sessions) {
    const logged = s.socket.logged;
    const seqs = logged.map((r) => r.frame.seq as number);
    const highest = Math.max(0, ...seqs);
    // The server's log is the truth: frames it stored after the last one this socket saw were lost in delivery.
    const page = orThrow(
      await stack.client.GET("/v1/sessions/{id}/events", {
        params: { path: { id: s.id }, query: { after: highest, limit: 1000 } },
      }),
    );
    const check = checkSeqs(seqs, page.events.at(-1)?.seq ?? highest);
    result.delivered += logged.length;
    result.lost += check.lost;
    result.duplicated += check.duplicated;
    if (check.outOfOrder > 0) errors.push(`${s.id}: ${check.outOfOrder} frames out of order`);
    for (const r of logged) result.latencies.push(r.receivedAt - r.frame.ts);
    for (const r of s.socket.received) {
      if (r.frame.seq === null) errors.push(`${s.id}: error reply ${JSON.stringify(r.frame.data)}`);
    }
    for (const failure of s.socket.failures) errors.push(`${s.id}: ${failure}`);
    s.socket.close();
  }
  return result;
}
