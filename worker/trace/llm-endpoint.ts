/**
 * What the GenAI semantic conventions want to know about where an LLM call went: `gen_ai.provider.name`,
 * `server.address` and `server.port`, read off the endpoint's base URL. Every endpoint here speaks the OpenAI
 * chat-completions API, but the provider is who serves it: the conventions' well-known value for hosts they name,
 * otherwise the host itself (stable, and what an operator would recognise). Pure.
 */

/** Host suffixes of providers with a well-known `gen_ai.provider.name` value, most specific first. */
const WELL_KNOWN: ReadonlyArray<readonly [suffix: string, provider: string]> = [
  ["api.openai.com", "openai"],
  ["openai.azure.com", "azure.ai.openai"],
  ["services.ai.azure.com", "azure.ai.inference"],
  ["models.ai.azure.com", "azure.ai.inference"],
  ["inference.ai.azure.com", "azure.ai.inference"],
  ["api.anthropic.com", "anthropic"],
  ["generativelanguage.googleapis.com", "gcp.gemini"],
  ["aiplatform.googleapis.com", "gcp.vertex_ai"],
  ["amazonaws.com", "aws.bedrock"],
  ["api.groq.com", "groq"],
  ["api.mistral.ai", "mistral_ai"],
  ["api.deepseek.com", "deepseek"],
  ["api.perplexity.ai", "perplexity"],
  ["api.x.ai", "x_ai"],
  ["api.cohere.com", "cohere"],
  ["api.cohere.ai", "cohere"],
  ["ml.cloud.ibm.com", "ibm.watsonx.ai"],
];

/** The default ports of the schemes an endpoint may use, for `server.port` when the URL names none. */
const DEFAULT_PORT: Record<string, number> = { "http:": 80, "https:": 443 };

/** The GenAI attributes of an endpoint. */
export interface LlmEndpoint {
  provider: string;
  address: string;
  port: number | undefined;
}

/** `host` is `suffix` or under it; regional hosts join the region with a dash (`us-central1-aiplatform…`). */
function matches(host: string, suffix: string): boolean {
  return host === suffix || host.endsWith(`.${suffix}`) || host.endsWith(`-${suffix}`);
}

/**
 * The provider name and server of `baseUrl`, or null when it is not a URL.
 * @example llmEndpoint("https://my-res.openai.azure.com/openai/v1") // { provider: "azure.ai.openai", address: "my-res.openai.azure.com", port: 443 }
 */
export function llmEndpoint(baseUrl: string): LlmEndpoint | null {
  if (!URL.canParse(baseUrl)) return null;
  const url = new URL(baseUrl);
  const address = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  // Only Bedrock's own hosts under amazonaws.com are Bedrock; anything else there is just a host.
  const provider =
    WELL_KNOWN.find(
      ([suffix, name]) => matches(address, suffix) && (name !== "aws.bedrock" || address.startsWith("bedrock")),
    )?.[1] ?? address;
  const port = url.port ? Number(url.port) : DEFAULT_PORT[url.protocol];
  return { provider, address, port };
}
