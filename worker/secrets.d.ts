// Secrets and optional settings are not in wrangler.toml, so `wrangler types` cannot see them; they are declared
// here. Each is documented in the README's configuration table.
interface FleetSecrets {
  /** `development` enables dev login and the demo model; anything else (or unset) is production. */
  ENVIRONMENT?: string;
  DAYTONA_API_URL?: string;
  /** Daytona snapshot with the REPL server installed (`npm run snapshot:build`); unset creates from the default image. */
  DAYTONA_SNAPSHOT?: string;
  /** Started sandboxes with a running REPL kept ready for RLM runs (default 0: off). */
  SANDBOX_WARM_POOL?: string;
  MAX_BODY_BYTES?: string;
  DEMO_LLM_BASE_URL?: string;
  /** Set by the test harness: how the dev sandbox server isolates sandboxes (`bwrap` or `none`). */
  SANDBOX_ISOLATION?: string;
  /** Set by the test harness: origin of the scripted LLM server's `/__admin` API. */
  LLM_ADMIN_URL?: string;
  /** Set by the test harness: base URL of the local webhook receiver. */
  RECEIVER_URL?: string;
  DATABASE_URL?: string;
  NEON_WS_PROXY?: string;
  DAYTONA_API_KEY?: string;
  OPENAI_API_KEY?: string;
  OPENAI_BASE_URL?: string;
  OPENAI_MODEL?: string;
  /** `off` makes LLM calls straight from the calling object instead of through `LLM_RELAYS` (default: relayed). */
  LLM_RELAY?: string;
  SESSION_SECRET?: string;
  ENCRYPTION_KEY?: string;
  OIDC_ISSUER?: string;
  OIDC_AUDIENCE?: string;
  OIDC_JWKS_URL?: string;
  OIDC_TENANT_CLAIM?: string;
  /**
   * DNS-over-HTTPS JSON endpoint (e.g. `https://cloudflare-dns.com/dns-query`) used to resolve webhook and LLM profile
   * host names and refuse private addresses before calling them; unset turns resolve-and-check off.
   */
  OUTBOUND_DNS_RESOLVER?: string;
  /** OTLP/HTTP base URL traces are exported to (`/v1/traces` is appended); unset turns the export off. */
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  /** Headers of every OTLP export request, in the standard `k=v,k2=v2` form with percent-encoded values. */
  OTEL_EXPORTER_OTLP_HEADERS?: string;
  /** Wire encoding of the OTLP export: `http/json` (default) or `http/protobuf` (Phoenix, older MLflow). */
  OTEL_EXPORTER_OTLP_PROTOCOL?: string;
}

interface Env extends FleetSecrets {}
declare namespace Cloudflare {
  interface Env extends FleetSecrets {}
}
