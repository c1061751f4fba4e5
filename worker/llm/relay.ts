/**
 * LLM calls made through relay Durable Objects. A Durable Object shares one I/O context across all its requests,
 * and Cloudflare gives a context only a handful of connections waiting for response headers (see `./relay-pool.ts`);
 * a run's object also holds its sandbox exec open the whole time a block runs. Called directly, an
 * `llm_query_batched` asking for 64 at once would get about 4. Each relay is a small object of its own that makes
 * the calls it is handed, so the configured concurrency is what reaches the provider.
 *
 * Streamed calls stay direct: their deltas are for the caller's socket, and their response headers arrive at once.
 */
import { AppError, type ErrorCode, isAppError } from "../errors/index";
import { abortError, isAbortError } from "./abort";
import { createLlmGateway } from "./gateway";
import { RelayPool } from "./relay-pool";
import type { LlmCompletion, LlmGateway, LlmGatewayConfig, LlmRequest } from "./types";

/** Calls in flight on one relay: Cloudflare's simultaneous-connection limit for one invocation. */
export const CALLS_PER_RELAY = 6;

/**
 * Non-streamed calls the calling object makes itself before it spills over to relays. Its other connections (the
 * sandbox exec a block holds open, database and trace exports) count against the same limit, so it keeps to two:
 * past six, new connections queue, and a runtime that takes the wait for a deadlock cancels the oldest connection,
 * which would be the exec. A run's sequential root calls then never pay the relay hop; only a fan-out uses relays.
 */
export const DIRECT_CALLS = 2;

/** A gateway's settings as they travel to a relay: plain data, no functions. */
export type RelayGatewayConfig = Omit<LlmGatewayConfig, "fetch" | "random">;

/** A request as it travels to a relay: no signal (cancel by id instead) and no streaming callback. */
export type RelayRequest = Omit<LlmRequest, "signal" | "onDelta">;

/** A relay's answer: errors as data, because only an error's name and message survive RPC. */
export type RelayOutcome =
  | { ok: true; completion: LlmCompletion }
  | { ok: false; aborted: true }
  | {
      ok: false;
      aborted?: false;
      error: { code: ErrorCode; message: string; details?: unknown; retryAfter?: number };
    };

/** The RPC surface of a relay object (`LlmRelayDO`). */
export interface LlmRelay {
  complete(config: RelayGatewayConfig, request: RelayRequest, callId: string): Promise<RelayOutcome>;
  cancel(callId: string): void;
}

/** Makes one call with `gateway` and turns every ending into a {@link RelayOutcome}. */
export async function relayComplete(
  gateway: LlmGateway,
  request: RelayRequest,
  signal: AbortSignal,
): Promise<RelayOutcome> {
  try {
    return { ok: true, completion: await gateway.complete({ ...request, signal }) };
  } catch (err) {
    if (isAbortError(err) || signal.aborted) return { ok: false, aborted: true };
    const error = isAppError(err) ? err : new AppError("internal", err instanceof Error ? err.message : String(err));
    return {
      ok: false,
      error: { code: error.code, message: error.message, details: error.details, retryAfter: error.retryAfter },
    };
  }
}

/**
 * A gateway that makes up to {@link DIRECT_CALLS} non-streamed calls at once itself and runs the rest on relays from
 * `relays`, at most {@link CALLS_PER_RELAY} per relay. `direct` serves those and streamed calls, and the synchronous
 * helpers; it must be built from the same `config`.
 */
export function relayedGateway(
  direct: LlmGateway,
  config: RelayGatewayConfig,
  relays: { get(index: number): LlmRelay },
): LlmGateway {
  const pool = new RelayPool(CALLS_PER_RELAY);
  let directInFlight = 0;
  async function complete(request: LlmRequest): Promise<LlmCompletion> {
    if (request.onDelta) return direct.complete(request);
    if (directInFlight < DIRECT_CALLS) {
      directInFlight += 1;
      try {
        return await direct.complete(request);
      } finally {
        directInFlight -= 1;
      }
    }
    const { signal, onDelta: _streamOnly, ...rest } = request;
    if (signal?.aborted) throw abortError(signal.reason);
    const index = pool.acquire();
    const relay = relays.get(index);
    const callId = crypto.randomUUID();
    const onAbort = () => void Promise.resolve(relay.cancel(callId)).catch(() => {});
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const outcome = await relay.complete(config, rest, callId);
      if (outcome.ok) return outcome.completion;
      if (outcome.aborted || signal?.aborted) throw abortError(signal?.reason);
      const { code, message, details, retryAfter } = outcome.error;
      throw new AppError(code, message, { details, retryAfter });
    } finally {
      signal?.removeEventListener("abort", onAbort);
      pool.release(index);
    }
  }
  return { ...direct, complete };
}

/** Relays of one gateway, created on first use: fresh objects, placed near the caller, with nothing stored. */
export function relayNamespace(namespace: { newUniqueId(): DurableObjectId; get(id: DurableObjectId): unknown }): {
  get(index: number): LlmRelay;
} {
  const stubs: LlmRelay[] = [];
  return {
    get(index) {
      while (stubs.length <= index) {
        stubs.push(namespace.get(namespace.newUniqueId()) as unknown as LlmRelay);
      }
      return stubs[index] as LlmRelay;
    },
  };
}

/**
 * The gateway the app uses for `config`: relayed when the `LLM_RELAYS` binding is there and `LLM_RELAY` is not `off`
 * (self-hosted workerd has no connection limit to work around).
 */
export function appGateway(env: Env, config: LlmGatewayConfig): LlmGateway {
  const direct = { ...createLlmGateway(config), baseUrl: config.baseUrl };
  if (env.LLM_RELAY === "off" || !env.LLM_RELAYS) return direct;
  const { fetch: _fetch, random: _random, ...plain } = config;
  return relayedGateway(direct, plain, relayNamespace(env.LLM_RELAYS));
}
