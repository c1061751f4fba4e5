import { describe, expect, it } from "vitest";
import { type CoalesceTimers, coalesce } from "./coalesce";

/** A hand-driven clock: `advance` fires due timers in order. */
function fakeTimers(): CoalesceTimers & { advance(ms: number): Promise<void> } {
  let t = 0;
  let next = 0;
  const due = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => t,
    setTimeout(fn, ms) {
      next += 1;
      due.set(next, { at: t + ms, fn });
      return next;
    },
    clearTimeout(handle) {
      due.delete(handle as number);
    },
    async advance(ms) {
      const end = t + ms;
      for (;;) {
        const first = [...due.entries()].sort((a, b) => a[1].at - b[1].at)[0];
        if (!first || first[1].at > end) break;
        due.delete(first[0]);
        t = first[1].at;
        first[1].fn();
        await Promise.resolve();
      }
      t = end;
      await Promise.resolve();
    },
  };
}

describe("coalesce", () => {
  it("publishes at most once per interval while poked, and once more after the last poke", async () => {
    const timers = fakeTimers();
    const at: number[] = [];
    const c = coalesce(async () => void at.push(timers.now()), 250, timers);
    // A poke every 10 ms for one second: a publish at 0 and then one per 250 ms, never more often.
    for (let i = 0; i < 100; i++) {
      c.poke();
      await timers.advance(10);
    }
    await timers.advance(1_000);
    expect(at).toEqual([0, 250, 500, 750, 1000]);
  });

  it("merges pokes inside one interval into one publish", async () => {
    const timers = fakeTimers();
    let count = 0;
    const c = coalesce(
      async () => {
        count += 1;
      },
      250,
      timers,
    );
    await c.flush();
    c.poke();
    c.poke();
    c.poke();
    await timers.advance(100);
    expect(count).toBe(1);
    await timers.advance(200);
    expect(count).toBe(2);
  });

  it("flush publishes at once, cancels the pending one, and keeps publishes in sequence after a failure", async () => {
    const timers = fakeTimers();
    const log: string[] = [];
    let fail = true;
    const c = coalesce(
      async () => {
        log.push(fail ? "fail" : "ok");
        if (fail) {
          fail = false;
          throw new Error("snapshot failed");
        }
      },
      250,
      timers,
    );
    await c.flush().catch(() => {});
    c.poke();
    await c.flush();
    await timers.advance(1_000);
    expect(log).toEqual(["fail", "ok"]);
  });
});
