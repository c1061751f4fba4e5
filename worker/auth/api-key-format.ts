/**
 * The shape of fleet-rlm API keys: `frk_<8 id chars>_<40 secret chars>`. The `frk_<id>` head is the visible prefix;
 * the whole key is hashed with SHA-256 for storage. Pure functions, no I/O.
 */

export const KEY_PREFIX = "frk_";
const ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const KEY_PATTERN = /^frk_([A-Za-z0-9]{8})_([A-Za-z0-9]{40})$/;

/** A freshly minted key: `secret` is shown to the user once; only `hash` and `prefix` are stored. */
export interface MintedKey {
  secret: string;
  prefix: string;
  hash: string;
}

/** Mints a random key. 40 base62 characters carry ≈238 bits of entropy. */
export async function mintApiKey(): Promise<MintedKey> {
  const id = randomBase62(8);
  const secret = `${KEY_PREFIX}${id}_${randomBase62(40)}`;
  return { secret, prefix: `${KEY_PREFIX}${id}`, hash: await sha256Hex(secret) };
}

/** Splits a presented key into its visible prefix, or returns null when it is not shaped like one of ours. */
export function parseApiKey(token: string): { prefix: string } | null {
  const match = KEY_PATTERN.exec(token);
  return match ? { prefix: `${KEY_PREFIX}${match[1]}` } : null;
}

/** Hex SHA-256 of a string. */
export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Uniform random base62 text, using rejection sampling so no character is more likely than another. */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
      // 248 = 4 * 62: bytes at or above it would bias the first characters of the alphabet.
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}
