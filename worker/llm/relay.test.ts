/**
 * LLM calls through relay Durable Objects (`LlmRelayDO`), inside workerd against the scripted LLM server: the spread
 * over relays, typed errors across RPC, and cancellation reaching the provider request.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { llmRequests, scriptedModel } from "../../test/worker/scripted-llm";
import { isAppError } from "../errors/index";
import { createLlmGateway, isAbortError, type LlmGateway } from "./index";
import {
  CALLS_PER_RELAY,
  DIRECT_CALLS,
  type LlmRelay,
  type RelayGatewayConfig,
  relayedGateway,
  relayNamespace,
} from "./relay";

interface Logged {
  at: string;
  durationMs: number;
  aborted?: boolean;
}

const requestsFor = (model: string) => llmRequests<Logged>(model);

function config(model: string): RelayGatewayConfig {
  return {
    baseUrl: env.OPENAI_BASE_URL ?? "",
    apiKey: env.OPENAI_API_KEY,
    models: { planner: model, delegate: model },
    backoff: { baseMs: 20, maxMs: 100 },
  };
}

/** Relays that count calls in flight per relay, as the caller sees them. */
function countingRelays() {
  const inner = relayNamespace(env.LLM_RELAYS);
  const inFlight = new Map<number, number>();
  const peak = new Map<number, number>();
  return {
    inFlight,
    peak,
    get(index: number): LlmRelay {
      const relay = inner.get(index);
      return {
        async complete(...args: Parameters<LlmRelay["complete"]>) {
          inFlight.set(index, (inFlight.get(index) ?? 0) + 1);
          peak.set(index, Math.max(peak.get(index) ?? 0, inFlight.get(index) ?? 0));
          try {
            return await relay.complete(...args);
          } finally {
            inFlight.set(index, (inFlight.get(index) ?? 1) - 1);
          }
        },
        cancel: (callId) => relay.cancel(callId),
      };
    },
  };
}

/** A direct gateway that counts its calls in flight. */
function countingDirect(model: string) {
  const inner = createLlmGateway(config(model));
  const counts = { inFlight: 0, peak: 0, calls: 0 };
  const gateway: LlmGateway = {
    ...inner,
    async complete(request) {
      counts.calls += 1;
      counts.inFlight += 1;
      counts.peak = Math.max(counts.peak, counts.inFlight);
      try {
        return await inner.complete(request);
      } finally {
        counts.inFlight -= 1;
      }
    },
  };
  return { gateway, counts };
}

/** Keeps the direct slots busy for the duration of `work`, so every call it makes goes to a relay. */
async function withDirectSlotsBusy<T>(gateway: LlmGateway, work: () => Promise<T>): Promise<T> {
  const hold = await scriptedModel(Array.from({ length: DIRECT_CALLS }, () => ({ content: "held", delayMs: 1_500 })));
  const held = Array.from({ length: DIRECT_CALLS }, () =>
    gateway.complete({ role: "delegate", model: hold, messages: [{ role: "user", content: "hold" }] }),
  );
  try {
    return await work();
  } finally {
    await Promise.all(held);
  }
}

describe("LLM relays", () => {
  // The first call into a Durable Object of this test file starts the Worker's module in its own isolate, which takes
  // seconds here; done once up front, it stays out of the timing checks below.
  beforeAll(async () => {
    const model = await scriptedModel(["warm"]);
    const outcome = await relayNamespace(env.LLM_RELAYS)
      .get(0)
      .complete(config(model), { role: "delegate", messages: [{ role: "user", content: "x" }] }, "warm-up");
    expect(outcome.ok).toBe(true);
  });

  it("makes 2 of 64 concurrent calls itself and spreads the rest over 11 relays, all in flight together", async () => {
    const model = await scriptedModel(Array.from({ length: 64 }, (_, i) => ({ content: `r${i}`, delayMs: 400 })));
    const relays = countingRelays();
    const direct = countingDirect(model);
    const gateway = relayedGateway(direct.gateway, config(model), relays);
    const replies = await Promise.all(
      Array.from({ length: 64 }, () =>
        gateway.complete({ role: "delegate", messages: [{ role: "user", content: "x" }] }),
      ),
    );
    expect(new Set(replies.map((r) => r.content))).toEqual(new Set(Array.from({ length: 64 }, (_, i) => `r${i}`)));
    expect(direct.counts).toMatchObject({ calls: DIRECT_CALLS, peak: DIRECT_CALLS });
    expect(relays.peak.size).toBe(Math.ceil((64 - DIRECT_CALLS) / CALLS_PER_RELAY));
    expect(Math.max(...relays.peak.values())).toBe(CALLS_PER_RELAY);
    // At the provider: every request had started before the first one finished.
    const log = await requestsFor(model);
    expect(log).toHaveLength(64);
    const lastStart = Math.max(...log.map((r) => Date.parse(r.at)));
    const firstEnd = Math.min(...log.map((r) => Date.parse(r.at) + r.durationMs));
    expect(lastStart).toBeLessThan(firstEnd);
  });

  it("returns the provider's failure as the same typed error, and retries inside the relay", async () => {
    const denied = await scriptedModel([{ error: { status: 401, message: "Incorrect API key provided" } }]);
    const relays = countingRelays();
    const deniedGateway = relayedGateway(createLlmGateway(config(denied)), config(denied), relays);
    const err = await withDirectSlotsBusy(deniedGateway, () =>
      deniedGateway.complete({ role: "delegate", messages: [{ role: "user", content: "x" }] }).then(
        () => expect.fail("expected a failure"),
        (e: unknown) => e,
      ),
    );
    expect(isAppError(err)).toBe(true);
    expect((err as { code: string }).code).toBe("llm_auth_failed");
    expect(relays.peak.size).toBe(1);

    const flaky = await scriptedModel([{ error: { status: 429, message: "slow down", retryAfter: 0 } }, "fine"]);
    const flakyGateway = relayedGateway(createLlmGateway(config(flaky)), config(flaky), relayNamespace(env.LLM_RELAYS));
    const reply = await withDirectSlotsBusy(flakyGateway, () =>
      flakyGateway.complete({ role: "delegate", messages: [{ role: "user", content: "x" }] }),
    );
    expect(reply).toMatchObject({ content: "fine", attempts: 2 });
  });

  it("cancels the provider request when the caller aborts", async () => {
    const model = await scriptedModel([{ content: "too late", delayMs: 10_000 }]);
    const relays = countingRelays();
    const gateway = relayedGateway(createLlmGateway(config(model)), config(model), relays);
    const controller = new AbortController();
    let abortedAfterMs = 0;
    const err = await withDirectSlotsBusy(gateway, () => {
      const started = Date.now();
      const call = gateway.complete({
        role: "delegate",
        messages: [{ role: "user", content: "x" }],
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(new Error("user stop")), 200);
      return call.then(
        () => expect.fail("expected an abort"),
        (e: unknown) => {
          abortedAfterMs = Date.now() - started;
          return e;
        },
      );
    });
    expect(relays.peak.size).toBe(1);
    expect(isAbortError(err)).toBe(true);
    expect(abortedAfterMs).toBeLessThan(1_000);
    // The relay aborted its HTTP request: the server records the client going away.
    for (let i = 0; i < 50; i++) {
      const [logged] = await requestsFor(model);
      if (logged?.aborted) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect.fail("the provider request was not aborted");
  });

  it("keeps streamed calls direct, so their deltas reach the caller", async () => {
    const model = await scriptedModel(["streamed answer"]);
    const direct = createLlmGateway({ ...config(model) });
    const relays = countingRelays();
    const deltas: string[] = [];
    const reply = await relayedGateway(direct, config(model), relays).complete({
      role: "planner",
      messages: [{ role: "user", content: "x" }],
      onDelta: (text) => deltas.push(text),
    });
    expect(reply.content).toBe("streamed answer");
    expect(deltas.join("")).toBe("streamed answer");
    expect(relays.peak.size).toBe(0);
  });
});
