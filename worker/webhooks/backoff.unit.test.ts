/** The outbound delivery retry schedule: verdicts per status, jittered backoff, retry-after and the 24 h window. */
import { describe, expect, it } from "vitest";
import {
  BASE_DELAY_MS,
  backoffCeiling,
  CLIENT_ERROR_MAX_ATTEMPTS,
  classifyDelivery,
  isRetryableStatus,
  MAX_ATTEMPTS,
  MAX_DELAY_MS,
  MIN_DELAY_MS,
  type NextDeliveryInput,
  nextDelivery,
  parseRetryAfter,
  RETRY_WINDOW_MS,
} from "./backoff";

const start = Date.parse("2026-03-01T00:00:00Z");
const minute = 60_000;
const hour = 60 * minute;

const input = (over: Partial<NextDeliveryInput> = {}): NextDeliveryInput => ({
  attempt: 1,
  firstAttemptAt: start,
  now: start,
  random: () => 0.5,
  ...over,
});

describe("isRetryableStatus", () => {
  it("retries network failures, 408, 425, 429 and every 5xx", () => {
    for (const status of [null, 408, 425, 429, 500, 501, 502, 503, 504, 599])
      expect(isRetryableStatus(status)).toBe(true);
  });

  it("does not call success, redirects or other client errors transient", () => {
    for (const status of [200, 204, 301, 302, 400, 401, 403, 404, 410, 413, 422, 600]) {
      expect(isRetryableStatus(status)).toBe(false);
    }
  });
});

describe("classifyDelivery", () => {
  it("treats any 2xx as delivered", () => {
    for (const status of [200, 201, 202, 204, 299]) expect(classifyDelivery(status, 1)).toBe("delivered");
  });

  it("retries transient failures at any attempt", () => {
    for (const status of [null, 429, 503]) expect(classifyDelivery(status, 50)).toBe("retry");
  });

  it("disables the subscription on 410 Gone at once", () => {
    expect(classifyDelivery(410, 1)).toBe("disable");
  });

  it("retries other client errors and redirects a few times, then dead-letters", () => {
    for (const status of [301, 400, 401, 403, 404, 413, 422]) {
      expect(classifyDelivery(status, 1)).toBe("retry");
      expect(classifyDelivery(status, CLIENT_ERROR_MAX_ATTEMPTS - 1)).toBe("retry");
      expect(classifyDelivery(status, CLIENT_ERROR_MAX_ATTEMPTS)).toBe("dead_letter");
    }
  });
});

describe("backoffCeiling", () => {
  it("starts at 30 s, doubles per attempt and caps at an hour", () => {
    expect(backoffCeiling(1)).toBe(BASE_DELAY_MS);
    expect(backoffCeiling(2)).toBe(60_000);
    expect(backoffCeiling(7)).toBe(30_000 * 64);
    expect(backoffCeiling(8)).toBe(MAX_DELAY_MS);
    expect(backoffCeiling(1_000_000)).toBe(MAX_DELAY_MS);
    expect(backoffCeiling(0)).toBe(BASE_DELAY_MS);
  });
});

describe("nextDelivery", () => {
  it("draws a full-jitter wait below the attempt's ceiling", () => {
    expect(nextDelivery(input({ random: () => 0.5 }))).toEqual({ action: "retry", at: start + 15_000 });
    expect(nextDelivery(input({ attempt: 3, random: () => 0.25 }))).toEqual({ action: "retry", at: start + 30_000 });
    expect(nextDelivery(input({ attempt: 3, random: () => 0.999_999 }))).toEqual({
      action: "retry",
      at: start + 119_999,
    });
    expect(nextDelivery(input({ attempt: 20, random: () => 0.999_999 }))).toEqual({
      action: "retry",
      at: start + MAX_DELAY_MS - 4,
    });
  });

  it("never schedules sooner than the floor, even for a zero draw", () => {
    expect(nextDelivery(input({ random: () => 0 }))).toEqual({ action: "retry", at: start + MIN_DELAY_MS });
  });

  it("schedules relative to now, not to the first attempt", () => {
    const now = start + 3 * hour;
    expect(nextDelivery(input({ now, attempt: 2 }))).toEqual({ action: "retry", at: now + 30_000 });
  });

  it("stays within the ceiling and the floor for any draw", () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      for (const draw of [0, 0.1, 0.5, 0.9, 0.999_999]) {
        const next = nextDelivery(input({ attempt, random: () => draw }));
        if (next.action !== "retry") throw new Error("expected a retry");
        expect(next.at - start).toBeGreaterThanOrEqual(MIN_DELAY_MS);
        expect(next.at - start).toBeLessThan(Math.max(MIN_DELAY_MS + 1, backoffCeiling(attempt)));
      }
    }
  });

  it("honours retry-after in seconds, ignoring the jitter", () => {
    expect(nextDelivery(input({ retryAfter: "120", random: () => 0 }))).toEqual({
      action: "retry",
      at: start + 120_000,
    });
  });

  it("honours retry-after as an HTTP date", () => {
    const retryAfter = new Date(start + 10 * minute).toUTCString();
    expect(nextDelivery(input({ retryAfter }))).toEqual({ action: "retry", at: start + 10 * minute });
  });

  it("clamps retry-after to an hour and to the floor", () => {
    expect(nextDelivery(input({ retryAfter: "86400" }))).toEqual({ action: "retry", at: start + MAX_DELAY_MS });
    expect(nextDelivery(input({ retryAfter: "0" }))).toEqual({ action: "retry", at: start + MIN_DELAY_MS });
    const past = new Date(start - hour).toUTCString();
    expect(nextDelivery(input({ retryAfter: past }))).toEqual({ action: "retry", at: start + MIN_DELAY_MS });
  });

  it("falls back to the backoff when retry-after is unparsable", () => {
    for (const retryAfter of ["soon", "1.5", "-3", "", null]) {
      expect(nextDelivery(input({ retryAfter }))).toEqual({ action: "retry", at: start + 15_000 });
    }
  });

  it("moves an attempt that would land past the window to the window's end", () => {
    const deadline = start + RETRY_WINDOW_MS;
    const now = deadline - 5 * minute;
    expect(nextDelivery(input({ attempt: 30, now, random: () => 0.9 }))).toEqual({ action: "retry", at: deadline });
    expect(nextDelivery(input({ now, retryAfter: "3600" }))).toEqual({ action: "retry", at: deadline });
  });

  it("dead-letters once the 24 h window has passed", () => {
    const deadline = start + RETRY_WINDOW_MS;
    expect(nextDelivery(input({ attempt: 40, now: deadline }))).toEqual({
      action: "dead_letter",
      reason: "window_exhausted",
    });
    expect(nextDelivery(input({ now: deadline + hour }))).toEqual({
      action: "dead_letter",
      reason: "window_exhausted",
    });
  });

  it("dead-letters after the attempt backstop even inside the window", () => {
    expect(nextDelivery(input({ attempt: MAX_ATTEMPTS - 1 }))).toMatchObject({ action: "retry" });
    expect(nextDelivery(input({ attempt: MAX_ATTEMPTS }))).toEqual({ action: "dead_letter", reason: "max_attempts" });
  });

  it("ends every schedule in a dead letter within the window, whatever the draws", () => {
    for (const draw of [0, 0.5, 0.999_999]) {
      let now = start;
      let attempt = 1;
      let next = nextDelivery(input({ attempt, now, random: () => draw }));
      while (next.action === "retry") {
        expect(next.at).toBeGreaterThan(now);
        now = next.at;
        attempt++;
        next = nextDelivery(input({ attempt, now, random: () => draw }));
      }
      expect(now).toBeLessThanOrEqual(start + RETRY_WINDOW_MS);
      expect(attempt).toBeLessThanOrEqual(MAX_ATTEMPTS);
    }
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");

  it("reads delta-seconds", () => {
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter(" 30 ", now)).toBe(30_000);
  });

  it("reads all three HTTP-date forms as UTC", () => {
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5_000);
    expect(parseRetryAfter("Thursday, 01-Jan-26 00:00:05 GMT", now)).toBe(5_000);
    expect(parseRetryAfter("Thu Jan  1 00:00:05 2026", now)).toBe(5_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:00:00 GMT", now)).toBe(0);
  });

  it("returns null for anything else", () => {
    for (const value of [undefined, null, "", "   ", "-1", "1.5", "1e3", "soon", "2026-01-01"]) {
      expect(parseRetryAfter(value, now)).toBeNull();
    }
  });
});
