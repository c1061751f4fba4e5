/** The resumable connection with fake sockets: resume after reconnect, dedupe by seq, gaps, fatal ticket errors. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ServerFrame } from "../api/types";
import { type ConnectionStatus, SessionConnection, type SocketLike } from "./connection";

class FakeSocket implements SocketLike {
  sent: string[] = [];
  closed = false;
  onopen: SocketLike["onopen"] = null;
  onmessage: SocketLike["onmessage"] = null;
  onclose: SocketLike["onclose"] = null;
  onerror: SocketLike["onerror"] = null;
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.closed = true;
    this.onclose?.({} as CloseEvent);
  }
  open() {
    this.onopen?.({} as Event);
  }
  deliver(...seqs: Array<number | null>) {
    for (const seq of seqs) {
      const frame: ServerFrame = { seq, ts: 0, kind: seq === null ? "error" : "llm_call", data: {} };
      this.onmessage?.({ data: JSON.stringify(frame) } as MessageEvent);
    }
  }
  /** The server went away. */
  drop() {
    this.onclose?.({} as CloseEvent);
  }
}

function harness(ticket: () => Promise<string> = async () => "t") {
  const sockets: FakeSocket[] = [];
  const seqs: number[] = [];
  const replies: ServerFrame[] = [];
  const statuses: ConnectionStatus[] = [];
  const conn = new SessionConnection({
    ticket,
    open: () => {
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket;
    },
    onFrames: (frames) => seqs.push(...frames.map((f) => f.seq as number)),
    onReply: (frame) => replies.push(frame),
    onStatus: (status) => statuses.push(status),
  });
  return { conn, sockets, seqs, replies, statuses };
}

describe("SessionConnection", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("resumes from the last delivered seq after a drop, delivering each frame once", async () => {
    const h = harness();
    h.conn.start();
    await vi.advanceTimersByTimeAsync(0);
    const first = h.sockets[0] as FakeSocket;
    first.open();
    expect(JSON.parse(first.sent[0] as string)).toEqual({ type: "resume", after: 0 });
    first.deliver(1, 2, 3);
    first.drop();
    expect(h.statuses.at(-1)?.state).toBe("reconnecting");
    await vi.advanceTimersByTimeAsync(1_000);
    const second = h.sockets[1] as FakeSocket;
    second.open();
    expect(JSON.parse(second.sent[0] as string)).toEqual({ type: "resume", after: 3 });
    // A replay overlapping what was already seen is deduplicated.
    second.deliver(2, 3, 4, 5);
    expect(h.seqs).toEqual([1, 2, 3, 4, 5]);
    expect(h.statuses.at(-1)).toEqual({ state: "live" });
  });

  it("reconnects instead of skipping when a seq is missing", async () => {
    const h = harness();
    h.conn.start();
    await vi.advanceTimersByTimeAsync(0);
    const first = h.sockets[0] as FakeSocket;
    first.open();
    first.deliver(1, 3);
    expect(first.closed).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    const second = h.sockets[1] as FakeSocket;
    second.open();
    expect(JSON.parse(second.sent[0] as string)).toEqual({ type: "resume", after: 1 });
    second.deliver(2, 3);
    expect(h.seqs).toEqual([1, 2, 3]);
  });

  it("hands replies to this socket (seq null) aside and ignores pongs", async () => {
    const h = harness();
    h.conn.start();
    await vi.advanceTimersByTimeAsync(0);
    const socket = h.sockets[0] as FakeSocket;
    socket.open();
    socket.deliver(null);
    socket.onmessage?.({ data: "pong" } as MessageEvent);
    expect(h.replies).toHaveLength(1);
    expect(h.seqs).toEqual([]);
    await vi.advanceTimersByTimeAsync(25_000);
    expect(socket.sent).toContain("ping");
  });

  it("stops retrying when the ticket is refused for good", async () => {
    const refused = Object.assign(new Error("Sign in again"), { code: "unauthenticated" });
    const h = harness(() => Promise.reject(refused));
    h.conn.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.sockets).toHaveLength(0);
    expect(h.statuses.at(-1)).toMatchObject({ state: "closed", code: "unauthenticated" });
  });

  it("backs off while the server is unreachable, and does not send while down", async () => {
    let calls = 0;
    const h = harness(() => {
      calls += 1;
      return Promise.reject(new Error("offline"));
    });
    h.conn.start();
    await vi.advanceTimersByTimeAsync(5_000);
    // 0.5 s, 1 s, 2 s (±25 %): three or four attempts in five seconds, not a tight loop.
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(calls).toBeLessThanOrEqual(4);
    expect(h.conn.send({ type: "cancel" })).toBe(false);
    h.conn.stop();
  });
});
