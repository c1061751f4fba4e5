/** One timer for many attempts: each still times out at its own limit, and nothing stays armed when idle. */
import { describe, expect, it } from "vitest";
import { AttemptClock, type ClockIo } from "./attempt-clock";

/** Manual time: `advance` runs the armed timers that are due, in order. */
function manualIo() {
  let now = 0;
  let nextId = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const io: ClockIo = {
    now: () => now,
    setTimer(fn, ms) {
      nextId += 1;
      timers.set(nextId, { at: now + ms, fn });
      return nextId;
    },
    clearTimer: (handle) => void timers.delete(handle as number),
  };
  return {
    io,
    armed: () => timers.size,
    sets: () => nextId,
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = end;
    },
  };
}

describe("AttemptClock", () => {
  it("times out each attempt at its own limit with one timer armed", () => {
    const time = manualIo();
    const clock = new AttemptClock(time.io);
    const a = clock.attempt(undefined, 100);
    time.advance(30);
    const b = clock.attempt(undefined, 100);
    const c = clock.attempt(undefined, 20);
    expect(time.armed()).toBe(1);
    time.advance(19);
    expect([a, b, c].map((x) => x.signal.aborted)).toEqual([false, false, false]);
    time.advance(1);
    expect([a, b, c].map((x) => x.timedOut())).toEqual([false, false, true]);
    time.advance(50);
    expect([a, b].map((x) => x.timedOut())).toEqual([true, false]);
    time.advance(30);
    expect(b.timedOut()).toBe(true);
    expect(b.signal.reason).toBeInstanceOf(Error);
    expect(time.armed()).toBe(0);
  });

  it("arms nothing while idle and does not re-arm for every call in flight", () => {
    const time = manualIo();
    const clock = new AttemptClock(time.io);
    const first = clock.attempt(undefined, 1000);
    const later = Array.from({ length: 50 }, () => clock.attempt(undefined, 1000));
    expect(time.sets()).toBe(1);
    for (const x of [first, ...later]) x.dispose();
    expect(time.armed()).toBe(0);
    expect(clock.pending).toBe(0);
    time.advance(2000);
    expect(first.signal.aborted).toBe(false);
  });

  it("follows the caller's signal, which is not a timeout, and unlinks from it on dispose", () => {
    const time = manualIo();
    const clock = new AttemptClock(time.io);
    const caller = new AbortController();
    const attempt = clock.attempt(caller.signal, 100);
    caller.abort(new Error("stop"));
    expect(attempt.signal.aborted).toBe(true);
    expect(attempt.timedOut()).toBe(false);
    attempt.dispose();

    const other = new AbortController();
    const done = clock.attempt(other.signal, 100);
    done.dispose();
    other.abort();
    expect(done.signal.aborted).toBe(false);
  });
});
