// Secrets and optional settings are not in wrangler.toml, so `wrangler types` cannot see them; they are declared
// here. Each is documented in the README's configuration table.
interface FleetSecrets {
  DATABASE_URL?: string;
  NEON_WS_PROXY?: string;
  DAYTONA_API_KEY?: string;
  OPENAI_API_KEY?: string;
  OPENAI_BASE_URL?: string;
  OPENAI_MODEL?: string;
  SESSION_SECRET?: string;
  ENCRYPTION_KEY?: string;
  OIDC_ISSUER?: string;
  OIDC_AUDIENCE?: string;
  OIDC_JWKS_URL?: string;
  OIDC_TENANT_CLAIM?: string;
}

interface Env extends FleetSecrets {}
declare namespace Cloudflare {
  interface Env extends FleetSecrets {}
}

// Lets `exports` from "cloudflare:workers" (used by tests to call the Worker) know the entry module's shape.
declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import("./index");
  }
}
