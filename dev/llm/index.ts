/**
 * A scripted OpenAI-compatible chat-completions server: the stand-in for a paid model in tests, benchmarks and the
 * offline demo. See `README.md` in this folder for the model-name conventions and the admin API.
 *
 * @example
 * const llm = await startScriptedLlm({ apiKey: "sk-test" });
 * const client = new OpenAI({ baseURL: llm.url, apiKey: "sk-test", maxRetries: 0 });
 * await llm.script(["hello"], "t1");
 * await client.chat.completions.create({ model: "scripted:t1", messages: [{ role: "user", content: "hi" }] });
 * await llm.stop();
 */
import type { AddressInfo } from "node:net";
import { type FaultsPatchInput, patchConfig, patchFaults, pushScript } from "./admin";
import type { FailNextRule, FailRateRule, FaultsSnapshot } from "./faults";
import type { ScriptReplyInput } from "./script";
import { createLlmServer } from "./server";
import { type LlmConfig, LlmState, type RecordedRequest, type RequestFilter } from "./state";
import type { Mode } from "./types";

export { classifyInstance, dataLines, detectTask, findNeedles, solve, subReply, TREC_LABELS } from "./solver/index";
export { estimateTokens } from "./tokens";
export type {
  FailNextRule,
  FailRateRule,
  FaultsPatchInput,
  FaultsSnapshot,
  LlmConfig,
  Mode,
  RecordedRequest,
  RequestFilter,
  ScriptReplyInput,
};

/** Options of {@link startScriptedLlm}. */
export interface StartOptions extends Partial<Omit<LlmConfig, "apiKey">> {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Interface to bind; loopback by default. */
  host?: string;
  /** Require `Authorization: Bearer <apiKey>` on `/v1/*`. */
  apiKey?: string;
  /** Fault rules in force from the start (and again after every reset), as for `POST /__admin/faults`. */
  faults?: FaultsPatchInput;
}

/** A running server and in-process equivalents of its admin API. */
export interface ScriptedLlm {
  /** Base URL for OpenAI clients, ending in `/v1`. */
  url: string;
  /** Origin, for the admin API (`${origin}/__admin/...`). */
  origin: string;
  port: number;
  /** The live state (config, queues, faults, log), for tests that want to look closer. */
  state: LlmState;
  /** Queues replies for `scripted:<scriptId>` (or `scripted` without an id); returns how many are queued. */
  script(replies: ScriptReplyInput[], scriptId?: string, replace?: boolean): number;
  /** Recorded requests in arrival order. */
  requests(filter?: RequestFilter): RecordedRequest[];
  /** Changes config at runtime (latency, key, mode, …); returns the new config. */
  configure(patch: Partial<LlmConfig>): LlmConfig;
  /** Fails the next `count` requests (optionally only for `model`) with `status`. */
  failNext(rule: Partial<FailNextRule> & { status: number }): FaultsSnapshot;
  /** Fails requests at random with a seeded probability; `null` turns it off. */
  failRate(rule: (Partial<FailRateRule> & { probability: number }) | null): FaultsSnapshot;
  /** Removes all failure rules. */
  clearFaults(): FaultsSnapshot;
  /** Start-time config and faults, no scripts, empty log. */
  reset(): void;
  /** Closes the server and every open connection. */
  stop(): Promise<void>;
}

function unwrap<T>(out: { status: number; body: unknown }): T {
  if (out.status !== 200) throw new Error(`scripted-llm admin: ${JSON.stringify(out.body)}`);
  return out.body as T;
}

/** Starts the scripted LLM server. */
export async function startScriptedLlm(options: StartOptions = {}): Promise<ScriptedLlm> {
  const { port = 0, host = "127.0.0.1", apiKey, faults, ...config } = options;
  const state = new LlmState({ ...config, apiKey: apiKey ?? null });
  if (faults) {
    const apply = () => unwrap(patchFaults(state, faults));
    apply();
    state.onReset(apply);
  }
  const server = createLlmServer(state);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const origin = `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
  return {
    url: `${origin}/v1`,
    origin,
    port: address.port,
    state,
    script: (replies, scriptId, replace) =>
      unwrap<{ queued: number }>(pushScript(state, { scriptId, replies, replace })).queued,
    requests: (filter) => state.log.list(filter),
    configure: (patch) => unwrap<LlmConfig>(patchConfig(state, patch)),
    failNext: (rule) => unwrap<FaultsSnapshot>(patchFaults(state, { failNext: rule })),
    failRate: (rule) => unwrap<FaultsSnapshot>(patchFaults(state, { failRate: rule })),
    clearFaults: () => unwrap<FaultsSnapshot>(patchFaults(state, { clear: true })),
    reset: () => state.reset(),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
