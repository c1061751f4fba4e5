/**
 * A benchmark client for a session's WebSocket (`/v1/sessions/{id}/ws`) over the `ws` package: it stamps every frame
 * with its receipt time, so a frame's delivery latency is `receivedAt − frame.ts` (both clocks are this machine's).
 */
import WebSocket from "ws";
import type { ServerFrame } from "../../worker/contracts/session";

/** A server frame and when this process received it (ms since the epoch, sub-millisecond resolution). */
export interface Received {
  frame: ServerFrame;
  receivedAt: number;
}

/** Wall-clock ms with sub-millisecond resolution; `Date.now()` alone would add up to 1 ms of rounding per sample. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

function isTerminal(frame: ServerFrame): boolean {
  return (
    frame.kind === "turn_completed" ||
    frame.kind === "cancelled" ||
    (frame.kind === "error" && frame.data.terminal === true)
  );
}

/** One open session socket that records every frame it receives. */
export class BenchSocket {
  /** Every JSON frame in arrival order; `pong`s of the auto-response are not frames and are not kept. */
  readonly received: Received[] = [];
  /** Socket-level failures (errors, closes before `close()` was called). */
  readonly failures: string[] = [];
  /** The close code when the server closed the socket before `close()` was called. */
  serverClose: number | null = null;
  /** Receipt times of auto-response `pong`s. */
  #pongs: number[] = [];
  #wake: Array<() => void> = [];
  #closing = false;

  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const receivedAt = nowMs();
      // The session object sends text frames only; `ws` hands over each as one Buffer.
      const text = String(data);
      if (text !== "pong") this.received.push({ frame: JSON.parse(text) as ServerFrame, receivedAt });
      else this.#pongs.push(receivedAt);
      for (const wake of this.#wake.splice(0)) wake();
    });
    ws.on("error", (err) => this.failures.push(`error: ${err.message}`));
    ws.on("close", (code) => {
      if (!this.#closing) {
        this.serverClose = code;
        this.failures.push(`closed by the server with ${code}`);
      }
      for (const wake of this.#wake.splice(0)) wake();
    });
  }

  /** Opens `/v1/sessions/{sessionId}/ws` with a bearer API key; rejects with the status of a refused upgrade. */
  static open(baseUrl: string, sessionId: string, apiKey: string): Promise<BenchSocket> {
    const url = `${baseUrl.replace(/^http/, "ws")}/v1/sessions/${sessionId}/ws`;
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${apiKey}` } });
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new BenchSocket(ws)));
      ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once("error", reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** Frames of the session's history (`seq` set), as opposed to replies to this socket alone. */
  get logged(): Received[] {
    return this.received.filter((r) => r.frame.seq !== null);
  }

  /** Resolves once `done()` holds, checked after every frame; rejects after `timeoutMs` or when the socket closes. */
  async until(done: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0 || this.ws.readyState !== WebSocket.OPEN) {
        const kinds = this.received.map((r) => `${r.frame.seq}:${r.frame.kind}`).slice(-5);
        throw new Error(`timed out or closed after ${this.received.length} frames (… ${kinds.join(" ")})`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for `turn_completed`, `cancelled` or a terminal `error`, and returns it. */
  async turnEnd(timeoutMs: number): Promise<ServerFrame> {
    await this.until(() => this.received.some((r) => isTerminal(r.frame)), timeoutMs);
    return (this.received.find((r) => isTerminal(r.frame)) as Received).frame;
  }

  /** Round trips of `count` sequential `ping`s, answered by the object's auto-response without waking it. */
  async pingRoundTrips(count: number): Promise<number[]> {
    const samples: number[] = [];
    for (let i = 0; i < count; i += 1) {
      const before = this.#pongs.length;
      const sentAt = nowMs();
      this.ws.send("ping");
      await this.until(() => this.#pongs.length > before, 5_000);
      samples.push((this.#pongs.at(-1) ?? Number.NaN) - sentAt);
    }
    return samples;
  }

  /** Round trips of `count` sequential `resume` requests for the last logged frame, until that frame is back. */
  async resumeRoundTrips(count: number): Promise<number[]> {
    const last = this.logged.at(-1)?.frame.seq;
    if (!last) throw new Error("resume round trips need a session with frames");
    const samples: number[] = [];
    for (let i = 0; i < count; i += 1) {
      const before = this.received.length;
      const sentAt = nowMs();
      this.send({ type: "resume", after: last - 1 });
      await this.until(() => this.received.length > before, 5_000);
      samples.push((this.received.at(-1)?.receivedAt ?? Number.NaN) - sentAt);
    }
    return samples;
  }

  close(): void {
    this.#closing = true;
    this.ws.close(1000, "done");
  }
}
