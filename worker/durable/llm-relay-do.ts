import { DurableObject } from "cloudflare:workers";
import { createLlmGateway, type LlmGateway } from "../llm";
import {
  type LlmRelay,
  type RelayGatewayConfig,
  type RelayOutcome,
  type RelayRequest,
  relayComplete,
} from "../llm/relay";

/** Gateways kept per relay: one per distinct endpoint, key and models; a relay serves one gateway in practice. */
const MAX_GATEWAYS = 8;

/**
 * Makes LLM calls for a run that lives in another Durable Object, so that run's fan-out is not held to the few
 * connections one object may have waiting (see `worker/llm/relay.ts`). Stores nothing; the caller's pool keeps at
 * most six calls in flight here.
 */
export class LlmRelayDO extends DurableObject<Env> implements LlmRelay {
  readonly #gateways = new Map<string, LlmGateway>();
  readonly #calls = new Map<string, AbortController>();

  async complete(config: RelayGatewayConfig, request: RelayRequest, callId: string): Promise<RelayOutcome> {
    const controller = new AbortController();
    this.#calls.set(callId, controller);
    try {
      return await relayComplete(this.#gateway(config), request, controller.signal);
    } finally {
      this.#calls.delete(callId);
    }
  }

  /** Aborts a call in flight; a call that already ended (or never started) is left alone. */
  cancel(callId: string): void {
    this.#calls.get(callId)?.abort(new Error("cancelled by the caller"));
  }

  #gateway(config: RelayGatewayConfig): LlmGateway {
    const key = JSON.stringify(config);
    let gateway = this.#gateways.get(key);
    if (!gateway) {
      if (this.#gateways.size >= MAX_GATEWAYS) this.#gateways.clear();
      gateway = createLlmGateway(config);
      this.#gateways.set(key, gateway);
    }
    return gateway;
  }
}
