/**
 * A session's WebSocket that survives disconnects: every (re)connect takes a fresh single-use ticket, opens
 * `?ticket=`, and sends `{type:"resume", after: lastSeq}`; the server then replays everything after that seq before
 * any live frame. Frames are delivered exactly once and in order (dedupe by `seq`; a gap, which the protocol rules
 * out, forces a reconnect rather than a silent hole). Replies meant only for this socket (`seq: null`) go to
 * `onReply`. Pure of React and of the DOM's WebSocket: both are injected, so it is tested in Node with fakes.
 */
import type { ClientFrame, ServerFrame } from "../api/types";

/** Where the connection stands, for the indicator. */
export type ConnectionStatus =
  | { state: "connecting" }
  | { state: "live" }
  | { state: "reconnecting"; attempt: number; retryInMs: number; reason: string }
  | { state: "closed"; reason: string; code?: string };

/** The part of a WebSocket this module uses. */
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
}

/** What the connection needs from the outside world. */
export interface ConnectionDeps {
  /** A fresh ticket; rejects with an error carrying `code` (e.g. `unauthenticated`) when it cannot. */
  ticket(): Promise<string>;
  /** Opens the socket for a ticket. */
  open(ticket: string): SocketLike;
  /** Called with logged frames, in seq order, each exactly once. */
  onFrames(frames: ServerFrame[]): void;
  /** Called with a reply to this socket only (`seq: null`). */
  onReply(frame: ServerFrame): void;
  onStatus(status: ConnectionStatus): void;
}

/** First retry delay; doubled per failed attempt up to {@link MAX_RETRY_MS}. */
const FIRST_RETRY_MS = 500;
/** Long enough not to hammer a server that is down, short enough that a user waiting sees it come back. */
const MAX_RETRY_MS = 10_000;
/** Keep-alive ping: under the usual 60-second idle timeouts of proxies. The session object answers "pong" itself. */
const PING_MS = 25_000;
/** Codes from the ticket request that no retry can fix. */
const FATAL_CODES = new Set(["unauthenticated", "forbidden", "not_found"]);

/** One session's resumable socket. Call {@link start}, then {@link stop} when the view goes away. */
export class SessionConnection {
  #lastSeq: number;
  #socket: SocketLike | null = null;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #pingTimer: ReturnType<typeof setInterval> | null = null;
  #stopped = false;
  #live = false;

  constructor(
    private readonly deps: ConnectionDeps,
    lastSeq = 0,
  ) {
    this.#lastSeq = lastSeq;
  }

  /** The highest seq delivered so far. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** True when frames can be sent now. */
  get live(): boolean {
    return this.#live;
  }

  start(): void {
    this.#stopped = false;
    void this.#connect();
  }

  /** Sends a client frame; false when the socket is not open (the caller tells the user). */
  send(frame: ClientFrame): boolean {
    if (!this.#live || !this.#socket) return false;
    this.#socket.send(JSON.stringify(frame));
    return true;
  }

  /** Reconnects now instead of waiting for the next retry (the browser came back online). */
  retryNow(): void {
    if (this.#stopped || this.#live || !this.#retryTimer) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    void this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    this.#teardown();
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  async #connect(): Promise<void> {
    this.deps.onStatus(this.#attempt === 0 ? { state: "connecting" } : this.#retrying("connecting"));
    let ticket: string;
    try {
      ticket = await this.deps.ticket();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === "string" && FATAL_CODES.has(code)) {
        this.deps.onStatus({ state: "closed", reason: String((err as Error).message), code });
        return;
      }
      this.#scheduleRetry("the server did not answer");
      return;
    }
    if (this.#stopped) return;
    const socket = this.deps.open(ticket);
    this.#socket = socket;
    socket.onopen = () => {
      this.#live = true;
      this.#attempt = 0;
      socket.send(JSON.stringify({ type: "resume", after: this.#lastSeq } satisfies ClientFrame));
      this.#pingTimer = setInterval(() => socket.send("ping"), PING_MS);
      this.deps.onStatus({ state: "live" });
    };
    socket.onmessage = (event) => this.#receive(String(event.data));
    socket.onclose = () => {
      if (this.#socket !== socket) return;
      this.#teardown();
      if (!this.#stopped) this.#scheduleRetry("the connection dropped");
    };
    socket.onerror = () => {
      // A close event always follows; retrying happens there.
    };
  }

  #receive(text: string): void {
    if (text === "pong") return;
    let frame: ServerFrame;
    try {
      frame = JSON.parse(text) as ServerFrame;
    } catch {
      return;
    }
    if (frame.seq === null) {
      this.deps.onReply(frame);
      return;
    }
    if (frame.seq <= this.#lastSeq) return;
    if (frame.seq !== this.#lastSeq + 1) {
      // Never skip: reconnecting resumes from the last frame actually delivered.
      this.#socket?.close(4000, "gap");
      return;
    }
    this.#lastSeq = frame.seq;
    this.deps.onFrames([frame]);
  }

  #retrying(reason: string): ConnectionStatus {
    return { state: "reconnecting", attempt: this.#attempt, retryInMs: 0, reason };
  }

  #scheduleRetry(reason: string): void {
    this.#attempt += 1;
    const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (this.#attempt - 1));
    // Jitter spreads the reconnects of many tabs after a server restart.
    const delay = Math.round(base * (0.75 + Math.random() * 0.5));
    this.deps.onStatus({ state: "reconnecting", attempt: this.#attempt, retryInMs: delay, reason });
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      void this.#connect();
    }, delay);
  }

  #teardown(): void {
    this.#live = false;
    if (this.#pingTimer) clearInterval(this.#pingTimer);
    this.#pingTimer = null;
    const socket = this.#socket;
    this.#socket = null;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      try {
        socket.close(1000, "bye");
      } catch {
        // Already closed.
      }
    }
  }
}
