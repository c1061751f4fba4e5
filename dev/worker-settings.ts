/**
 * Every setting the Worker reads from its environment, in one table: the README's configuration table lists the same
 * names (a test keeps the two equal), and `npm run dev` forwards each from the caller's environment by it.
 */

/** One Worker setting. */
export interface WorkerSetting {
  name: string;
  /** Its value is a credential: kept out of `npm run dev`'s output. */
  secret: boolean;
  /**
   * Under `npm run dev`: `env` — the environment's value, when set, reaches the Worker (over the local stack's
   * default, if it has one); `stack` — the local stack sets it itself.
   */
  dev: "env" | "stack";
}

/** In the README's order. */
export const WORKER_SETTINGS: readonly WorkerSetting[] = [
  // The stack hands an environment DATABASE_URL to its database and proxy, and passes the same URL on.
  { name: "DATABASE_URL", secret: true, dev: "stack" },
  { name: "NEON_WS_PROXY", secret: false, dev: "stack" },
  { name: "DAYTONA_API_URL", secret: false, dev: "env" },
  { name: "DAYTONA_API_KEY", secret: true, dev: "env" },
  { name: "DAYTONA_SNAPSHOT", secret: false, dev: "env" },
  { name: "SANDBOX_WARM_POOL", secret: false, dev: "env" },
  { name: "OPENAI_API_KEY", secret: true, dev: "env" },
  { name: "OPENAI_BASE_URL", secret: false, dev: "env" },
  { name: "OPENAI_MODEL", secret: false, dev: "env" },
  { name: "LLM_RELAY", secret: false, dev: "env" },
  { name: "SESSION_SECRET", secret: true, dev: "env" },
  { name: "ENCRYPTION_KEY", secret: true, dev: "env" },
  { name: "OIDC_ISSUER", secret: false, dev: "env" },
  { name: "OIDC_AUDIENCE", secret: false, dev: "env" },
  { name: "OIDC_JWKS_URL", secret: false, dev: "env" },
  { name: "OIDC_TENANT_CLAIM", secret: false, dev: "env" },
  // Always `development` locally: a generic name like this may be set in a shell for other tools.
  { name: "ENVIRONMENT", secret: false, dev: "stack" },
  { name: "MAX_BODY_BYTES", secret: false, dev: "env" },
  { name: "OTEL_EXPORTER_OTLP_ENDPOINT", secret: false, dev: "env" },
  // Export headers usually carry the collector's API token.
  { name: "OTEL_EXPORTER_OTLP_HEADERS", secret: true, dev: "env" },
  { name: "OTEL_EXPORTER_OTLP_PROTOCOL", secret: false, dev: "env" },
  { name: "OUTBOUND_DNS_RESOLVER", secret: false, dev: "env" },
];

/** The `dev: "env"` settings set (non-empty) in `env`, by name. */
export function settingsFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const found: Record<string, string> = {};
  for (const { name, dev } of WORKER_SETTINGS) {
    const value = env[name];
    if (dev === "env" && value) found[name] = value;
  }
  return found;
}

/** Names of the settings whose values are credentials. */
export const SECRET_SETTINGS: ReadonlySet<string> = new Set(WORKER_SETTINGS.filter((s) => s.secret).map((s) => s.name));
