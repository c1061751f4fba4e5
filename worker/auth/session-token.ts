/**
 * Session tokens for signed-in browser users: short HS256 JWTs signed with `SESSION_SECRET`, carried in an HttpOnly
 * cookie (or as a bearer token). Issued by dev login locally and after OIDC sign-in in production.
 */
import { jwtVerify, SignJWT } from "jose";

const ISSUER = "fleet-rlm";
/** Twelve hours: a working day, after which the browser signs in again. */
export const SESSION_TTL_SECONDS = 12 * 60 * 60;
export const SESSION_COOKIE = "fleet_session";

export interface SessionClaims {
  tenantId: string;
  userId: string;
}

/** A verified token: its claims, its id (null in tokens issued before tokens had one) and its expiry (ms). */
export interface VerifiedSession extends SessionClaims {
  jti: string | null;
  expiresAt: number;
}

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/** Signs a session token. */
export async function signSessionToken(claims: SessionClaims, secret: string, now = Date.now()): Promise<string> {
  return new SignJWT({ tid: claims.tenantId })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer(ISSUER)
    .setSubject(claims.userId)
    .setJti(crypto.randomUUID())
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor(now / 1000) + SESSION_TTL_SECONDS)
    .sign(key(secret));
}

/** Verifies a session token; null when it is not a valid, unexpired token of ours. */
export async function verifySessionToken(token: string, secret: string): Promise<VerifiedSession | null> {
  try {
    const { payload } = await jwtVerify(token, key(secret), { issuer: ISSUER, algorithms: ["HS256"] });
    if (typeof payload.tid !== "string" || typeof payload.sub !== "string") return null;
    return {
      tenantId: payload.tid,
      userId: payload.sub,
      jti: typeof payload.jti === "string" ? payload.jti : null,
      expiresAt: (payload.exp ?? 0) * 1000,
    };
  } catch {
    return null;
  }
}
