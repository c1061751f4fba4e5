/**
 * Verification of OIDC access/ID tokens for production browser sign-in: signature against the provider's JWKS,
 * issuer, audience and expiry. The tenant comes from a configurable claim and must already exist (tenants are
 * admitted, not self-created).
 */
import { createRemoteJWKSet, type JWTVerifyGetKey, jwtVerify } from "jose";

export interface OidcConfig {
  issuer: string;
  audience: string;
  /** Key source; `createRemoteJWKSet(url)` in production, a local set in tests. */
  keys: JWTVerifyGetKey;
  /** Claim naming the tenant slug. */
  tenantClaim: string;
}

export interface OidcIdentity {
  subject: string;
  email: string;
  name: string | null;
  tenantSlug: string;
}

const remoteSets = new Map<string, JWTVerifyGetKey>();

/** A cached remote JWKS per URL: jose refetches on unknown `kid` and respects its own cooldown. */
export function remoteKeys(url: string): JWTVerifyGetKey {
  let keys = remoteSets.get(url);
  if (!keys) {
    keys = createRemoteJWKSet(new URL(url));
    remoteSets.set(url, keys);
  }
  return keys;
}

/** Verifies a token; null when the signature, issuer, audience, expiry or required claims are wrong. */
export async function verifyOidcToken(token: string, config: OidcConfig): Promise<OidcIdentity | null> {
  try {
    const { payload } = await jwtVerify(token, config.keys, {
      issuer: config.issuer,
      audience: config.audience,
      algorithms: ["RS256", "ES256", "EdDSA"],
    });
    const tenantSlug = payload[config.tenantClaim];
    const email = payload.email;
    if (typeof payload.sub !== "string" || typeof tenantSlug !== "string" || typeof email !== "string") return null;
    return {
      subject: payload.sub,
      email,
      name: typeof payload.name === "string" ? payload.name : null,
      tenantSlug,
    };
  } catch {
    return null;
  }
}
