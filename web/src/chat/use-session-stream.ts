/**
 * A React hook over one session's stream: the resumable socket for an active session (or the REST event log for an
 * archived one), folded into the transcript and the trace tree. Frames are applied as they come; React re-renders at
 * most once per animation frame, so a replay of thousands of frames costs one render, not thousands.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { wsTicket } from "../api/auth";
import { allEvents } from "../api/sessions";
import type { ClientFrame, ServerFrame } from "../api/types";
import { TraceBuilder } from "../trace/builder";
import { type ConnectionStatus, SessionConnection } from "./connection";
import { Transcript } from "./transcript";

/** What the chat page reads from the stream. */
export interface SessionStream {
  transcript: Transcript;
  trace: TraceBuilder;
  status: ConnectionStatus;
  /** Frames applied and the highest seq: equal when the log is complete with no gap and no duplicate. */
  applied: number;
  lastSeq: number;
  /** The latest reply to this socket only (a refused message, a malformed frame), until dismissed. */
  reply: ServerFrame | null;
  dismissReply(): void;
  /** Sends a frame; false when not connected. */
  send(frame: ClientFrame): boolean;
}

function socketUrl(sessionId: string, ticket: string): string {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}/v1/sessions/${sessionId}/ws?ticket=${encodeURIComponent(ticket)}`;
}

/**
 * Streams session `sessionId`; `archived` sessions are read once from the event log and not connected. The models
 * live as long as the component: mount it with `key={sessionId}` so another session starts from scratch.
 */
export function useSessionStream(sessionId: string, archived: boolean): SessionStream {
  const [models] = useState(() => ({ transcript: new Transcript(), trace: new TraceBuilder() }));
  const [, setTick] = useState(0);
  const [status, setStatus] = useState<ConnectionStatus>({ state: "connecting" });
  const [reply, setReply] = useState<ServerFrame | null>(null);
  const counters = useRef({ applied: 0, lastSeq: 0 });
  const connection = useRef<SessionConnection | null>(null);

  useEffect(() => {
    let scheduled = 0;
    const render = () => {
      if (scheduled) return;
      scheduled = requestAnimationFrame(() => {
        scheduled = 0;
        setTick((t) => t + 1);
      });
    };
    const applyAll = (frames: ServerFrame[]) => {
      for (const frame of frames) {
        // Reopening an archived session connects with what the event log already gave: never apply a frame twice.
        if (frame.seq === null || frame.seq <= counters.current.lastSeq) continue;
        models.transcript.apply(frame);
        models.trace.apply(frame);
        counters.current.applied += 1;
        counters.current.lastSeq = frame.seq;
      }
      render();
    };

    if (archived) {
      let cancelled = false;
      setStatus({ state: "closed", reason: "archived" });
      allEvents(sessionId).then(
        (events) => !cancelled && applyAll(events),
        (err: Error) => !cancelled && setStatus({ state: "closed", reason: err.message }),
      );
      return () => {
        cancelled = true;
        cancelAnimationFrame(scheduled);
      };
    }

    const conn = new SessionConnection(
      {
        ticket: () => wsTicket(sessionId),
        open: (ticket) => new WebSocket(socketUrl(sessionId, ticket)),
        onFrames: applyAll,
        onReply: setReply,
        onStatus: setStatus,
      },
      counters.current.lastSeq,
    );
    connection.current = conn;
    conn.start();
    const online = () => conn.retryNow();
    window.addEventListener("online", online);
    return () => {
      window.removeEventListener("online", online);
      conn.stop();
      connection.current = null;
      cancelAnimationFrame(scheduled);
    };
  }, [sessionId, archived, models]);

  const send = useCallback((frame: ClientFrame) => connection.current?.send(frame) ?? false, []);
  const dismissReply = useCallback(() => setReply(null), []);

  return {
    ...models,
    status,
    applied: counters.current.applied,
    lastSeq: counters.current.lastSeq,
    reply,
    dismissReply,
    send,
  };
}
