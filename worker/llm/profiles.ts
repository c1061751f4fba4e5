/**
 * Tenant LLM profiles as gateways (DESIGN §4.5, bring-your-own keys): a profile's key is sealed with AES-GCM at rest
 * and opened only here, to build the gateway a run uses; its base URL passes the same SSRF guard as outbound webhooks
 * on save and again before every use, because the Worker calls it with the tenant's key.
 */
import { openSecret } from "../auth/secret-box";
import type { LlmDiagnostics } from "../contracts/diagnostics";
import type { Db } from "../db/client";
import { findLlmProfile, type LlmProfileRow } from "../db/queries/llm-profiles";
import { AppError } from "../errors/index";
import { checkOutboundUrl, checkResolvedUrl, type OutboundUrlCheck, outboundResolver } from "../webhooks";
import { isRedirect } from "./errors";
import { appGateway } from "./relay";
import { llmGuidance, llmSmoke } from "./smoke";
import type { LlmGateway, LlmGatewayConfig, LlmRole } from "./types";

/** Gateway settings a caller may override (the test call wants one quick attempt). */
export type GatewayTuning = Pick<LlmGatewayConfig, "timeoutMs" | "maxRetries" | "deadlineMs">;

/** Characters of a key shown in its hint; four tell keys apart without weakening a key of realistic length. */
const HINT_TAIL = 4;
/** Keys shorter than this get no tail in their hint: four characters would be too large a share of the secret. */
const HINT_MIN_LENGTH = 12;

/**
 * A masked form of a provider key for lists: its non-secret type prefix and last four characters.
 * @example maskApiKey("sk-proj-abcdefghijklmnop") // "sk-proj-…mnop"
 */
export function maskApiKey(key: string): string {
  if (key.length < HINT_MIN_LENGTH) return "…";
  const prefix = /^[A-Za-z]{2,4}-(?:[a-z]{2,8}-)?/.exec(key)?.[0] ?? "";
  return `${prefix}…${key.slice(-HINT_TAIL)}`;
}

/**
 * Whether the Worker may call `baseUrl`: private and loopback addresses only in development, judged on the URL and,
 * when `OUTBOUND_DNS_RESOLVER` is set, on what its host name resolves to.
 */
export function checkLlmBaseUrl(
  env: Pick<Env, "ENVIRONMENT" | "OUTBOUND_DNS_RESOLVER">,
  baseUrl: string,
): Promise<OutboundUrlCheck> {
  const options = { allowPrivate: env.ENVIRONMENT === "development" };
  return checkResolvedUrl(checkOutboundUrl(baseUrl, options), options, outboundResolver(env));
}

/** A gateway for `profile`, with `models` overriding the profile's own per role. */
export async function gatewayForProfile(
  env: Env,
  profile: LlmProfileRow,
  models: { planner?: string; delegate?: string } = {},
  tuning: GatewayTuning = {},
): Promise<LlmGateway> {
  const check = await checkLlmBaseUrl(env, profile.baseUrl);
  if (!check.ok) {
    throw new AppError(
      "bad_request",
      `LLM profile “${profile.name}” has a base URL that is not allowed (${check.reason})`,
      {
        details: { profileId: profile.id, reason: check.reason },
      },
    );
  }
  return appGateway(env, {
    baseUrl: check.url.href,
    source: `LLM profile “${profile.name}” (${profile.baseUrl})`,
    apiKey: profile.apiKeyCiphertext ? await openSecret(env, profile.apiKeyCiphertext) : undefined,
    models: {
      planner: models.planner ?? profile.plannerModel,
      delegate: models.delegate ?? profile.delegateModel,
    },
    ...tuning,
  });
}

/**
 * The LLM gateway of a tenant's profile: `profileId`'s, or the tenant's default profile's when `profileId` is absent.
 * Returns null when no `profileId` is given and the tenant has no default profile: the caller then falls back to the
 * platform's endpoint. A `profileId` that is not the tenant's is a `not_found` error, never a fallback.
 * @example
 * const llm = (await resolveTenantLlm(env, db, tenantId, launch.models)) ?? resolveLlm(env, launch.models);
 */
export async function resolveTenantLlm(
  env: Env,
  db: Db,
  tenantId: string,
  models: { planner?: string; delegate?: string },
  profileId?: string,
  tuning: GatewayTuning = {},
): Promise<LlmGateway | null> {
  const profile = await findLlmProfile(db, tenantId, profileId);
  if (!profile) {
    if (profileId === undefined) return null;
    throw new AppError("not_found", "LLM profile not found", { details: { id: profileId } });
  }
  return gatewayForProfile(env, profile, models, tuning);
}

/** What to check when a profile's test call fails, in the profile's terms rather than the server's variables. */
export function profileGuidance(error: Parameters<typeof llmGuidance>[0]): string {
  switch (error.code) {
    case "llm_auth_failed":
      return "The provider rejected the key: paste the profile's key again and check it may use this model.";
    case "timeout":
      return "No answer in time: check the base URL is reachable from the Worker and the provider is up.";
    case "unavailable":
      return error.status === undefined
        ? "The endpoint could not be reached: check the base URL (scheme, host, port, and the /v1 path)."
        : llmGuidance(error);
    case "upstream_error":
      if (error.status !== undefined && isRedirect(error.status)) {
        return "The endpoint redirects elsewhere and redirects are not followed: set the base URL to the address it redirects to.";
      }
      return error.status === 404
        ? "The provider does not know this model or path: check the model name and that the base URL ends where /chat/completions lives (usually /v1)."
        : llmGuidance(error);
    default:
      return llmGuidance(error);
  }
}

/** What to do when the gateway cannot even be built, by error code. */
const CONFIGURE_GUIDANCE: Record<string, string> = {
  bad_request: "Fix the base URL: it must be a public https address (private ones work only in development).",
  internal: "The stored key could not be decrypted (was ENCRYPTION_KEY changed?): enter the key again.",
  unavailable: "The server cannot decrypt stored keys: set ENCRYPTION_KEY.",
};

/** One real, tiny completion through the profile's gateway (one attempt, no retries). Never throws. */
export async function testLlmProfile(
  env: Env,
  profile: LlmProfileRow,
  options: { role: LlmRole; timeoutMs: number },
): Promise<LlmDiagnostics> {
  const model = options.role === "planner" ? profile.plannerModel : profile.delegateModel;
  let gateway: LlmGateway;
  try {
    gateway = await gatewayForProfile(
      env,
      profile,
      {},
      { maxRetries: 0, timeoutMs: options.timeoutMs, deadlineMs: options.timeoutMs },
    );
  } catch (err) {
    const code = err instanceof AppError ? err.code : "internal";
    const message = err instanceof Error ? err.message : "The profile could not be used";
    return {
      ok: false,
      failedAt: "configure",
      model,
      error: { code, message },
      guidance: CONFIGURE_GUIDANCE[code] ?? "See the error message.",
    };
  }
  const report = await llmSmoke(gateway, model);
  return report.ok || !report.error ? report : { ...report, guidance: profileGuidance(report.error) };
}
