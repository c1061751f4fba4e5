/**
 * Encrypts secrets at rest (tenant LLM keys, webhook signing secrets) with AES-256-GCM from WebCrypto. The key is
 * `ENCRYPTION_KEY` (base64 of 32 random bytes); a local development stack without one derives a key from
 * `SESSION_SECRET`, which is never acceptable in production.
 */
import { AppError } from "../errors";

const VERSION = "v1";

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

async function keyFrom(env: Pick<Env, "ENCRYPTION_KEY" | "SESSION_SECRET" | "ENVIRONMENT">): Promise<CryptoKey> {
  let raw: Uint8Array<ArrayBuffer>;
  if (env.ENCRYPTION_KEY) {
    raw = fromBase64(env.ENCRYPTION_KEY);
    if (raw.length !== 32) throw new AppError("unavailable", "ENCRYPTION_KEY must be base64 of exactly 32 bytes");
  } else if (env.ENVIRONMENT === "development" && env.SESSION_SECRET) {
    raw = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`fleet-dev-key:${env.SESSION_SECRET}`)),
    );
  } else {
    throw new AppError("unavailable", "ENCRYPTION_KEY is not set", { internal: "secrets cannot be stored" });
  }
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

/** `v1.<iv>.<ciphertext>`, both base64; a fresh 96-bit IV per message, as GCM requires. */
export async function sealSecret(env: Parameters<typeof keyFrom>[0], plaintext: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv },
    await keyFrom(env),
    new TextEncoder().encode(plaintext),
  );
  return `${VERSION}.${toBase64(iv)}.${toBase64(new Uint8Array(sealed))}`;
}

/** Reverses {@link sealSecret}; a tampered or foreign ciphertext fails as `internal`, never as a wrong value. */
export async function openSecret(env: Parameters<typeof keyFrom>[0], sealed: string): Promise<string> {
  const [version, iv, data] = sealed.split(".");
  if (version !== VERSION || !iv || !data) throw new AppError("internal", "A stored secret is malformed");
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromBase64(iv) },
      await keyFrom(env),
      fromBase64(data),
    );
    return new TextDecoder().decode(plain);
  } catch (err) {
    throw new AppError("internal", "A stored secret could not be decrypted", { cause: err });
  }
}
