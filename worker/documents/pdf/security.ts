/**
 * PDF's standard security handler (ISO 32000-2 §7.6.4), for files that open without a password: many PDFs are
 * encrypted only to carry an owner password (restricting printing or copying), and every reader opens them with the
 * empty user password. Revisions 2–4 (RC4 and AES-128, keys from MD5) and 5–6 (AES-256) are supported. Files that
 * need a real password, or use another handler, are reported as such rather than guessed at.
 *
 * Hashing and AES use `node:crypto` (workerd's `nodejs_compat` and Node alike): WebCrypto has no MD5 and always pads
 * AES-CBC, which the key algorithms need without padding. RC4 is written out: OpenSSL 3 refuses it outside its legacy
 * provider.
 */
import { createCipheriv, createDecipheriv, createHash } from "node:crypto";
import { concatBytes } from "../bytes";
import type { Dict, PdfValue } from "./lexer";
import { Name } from "./lexer";

/** Decrypts one stream's bytes, given the number and generation of the object that holds it. */
export interface Decryptor {
  /** The plain bytes, or null when the stream is truncated or its padding is wrong (a damaged file). */
  decrypt(data: Uint8Array, num: number, gen: number): Uint8Array | null;
}

export type Security =
  | { status: "open"; decryptor: Decryptor }
  | { status: "password" }
  | { status: "unsupported"; scheme: string };

/** The 32 bytes every revision 2–4 password is padded with (§7.6.4.3.2, Algorithm 2, step a). */
const PASSWORD_PAD = Uint8Array.of(
  0x28,
  0xbf,
  0x4e,
  0x5e,
  0x4e,
  0x75,
  0x8a,
  0x41,
  0x64,
  0x00,
  0x4e,
  0x56,
  0xff,
  0xfa,
  0x01,
  0x08,
  0x2e,
  0x2e,
  0x00,
  0xb6,
  0xd0,
  0x68,
  0x3e,
  0x80,
  0x2f,
  0x0c,
  0xa9,
  0xfe,
  0x64,
  0x53,
  0x69,
  0x7a,
);
/** Appended to an object key for AES-128 (Algorithm 1, step b). */
const AES_SALT = Uint8Array.of(0x73, 0x41, 0x6c, 0x54);

type Cipher = "rc4" | "aes128" | "aes256" | "identity";

/** RC4, for revisions 2–4 and crypt filters `/V2`. */
function rc4(key: Uint8Array, data: Uint8Array): Uint8Array {
  const s = new Uint8Array(256).map((_, i) => i);
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + (s[i] as number) + (key[i % key.length] as number)) & 0xff;
    [s[i], s[j]] = [s[j] as number, s[i] as number];
  }
  const out = new Uint8Array(data.length);
  for (let k = 0, i = 0, j = 0; k < data.length; k++) {
    i = (i + 1) & 0xff;
    j = (j + (s[i] as number)) & 0xff;
    [s[i], s[j]] = [s[j] as number, s[i] as number];
    out[k] = (data[k] as number) ^ (s[((s[i] as number) + (s[j] as number)) & 0xff] as number);
  }
  return out;
}

/** A digest of the parts in order, fed one by one rather than concatenated first. */
function digest(algorithm: "md5" | "sha256" | "sha384" | "sha512", ...parts: Uint8Array[]): Uint8Array {
  const hash = createHash(algorithm);
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** AES-CBC over whole blocks with no padding, as the key algorithms use it (Algorithms 2.A, 2.B); 128 or 256 by key. */
function aesBlocks(mode: "encrypt" | "decrypt", key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const algorithm = key.length === 32 ? "aes-256-cbc" : "aes-128-cbc";
  const cipher = mode === "encrypt" ? createCipheriv(algorithm, key, iv) : createDecipheriv(algorithm, key, iv);
  return cipher.setAutoPadding(false).update(data);
}

/** A stream encrypted with AES: a 16-byte IV, then CBC blocks with PKCS#5 padding; null when damaged. */
function aesDecryptStream(key: Uint8Array, data: Uint8Array): Uint8Array | null {
  if (data.length < 32 || data.length % 16 !== 0) return null;
  try {
    const decipher = createDecipheriv(key.length === 32 ? "aes-256-cbc" : "aes-128-cbc", key, data.subarray(0, 16));
    return concatBytes([decipher.update(data.subarray(16)), decipher.final()]);
  } catch {
    // Padding that is not PKCS#5 (wrong bytes), or a key of no AES size (a malformed `/Length`).
    return null;
  }
}

/** Algorithm 2.B (revision 6): the iterated hash of a password with a salt. */
function hardenedHash(password: Uint8Array, salt: Uint8Array, userKey: Uint8Array): Uint8Array {
  let k = digest("sha256", password, salt, userKey);
  for (let round = 0; ; ) {
    const block = concatBytes([password, k, userKey]);
    const k1 = concatBytes(Array.from({ length: 64 }, () => block));
    const e = aesBlocks("encrypt", k.subarray(0, 16), k.subarray(16, 32), k1);
    // The first 16 bytes as a big-endian number, modulo 3: since 256 ≡ 1 (mod 3), the sum of the bytes will do.
    const choice = e.subarray(0, 16).reduce((sum, b) => sum + b, 0) % 3;
    k = digest(choice === 0 ? "sha256" : choice === 1 ? "sha384" : "sha512", e);
    round++;
    if (round >= 64 && (e[e.length - 1] as number) <= round - 32) break;
  }
  return k.subarray(0, 32);
}

function bytes(value: PdfValue): Uint8Array | null {
  return value instanceof Uint8Array ? value : null;
}

function int32LE(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setInt32(0, value, true);
  return out;
}

/** Revisions 2–4: the file key from the (empty) password, checked against `/U`; null when it needs a password. */
function legacyKey(encrypt: Dict, revision: number, keyBytes: number, fileId: Uint8Array): Uint8Array | null {
  const owner = bytes(encrypt.get("O") ?? null);
  const user = bytes(encrypt.get("U") ?? null);
  const permissions = encrypt.get("P");
  if (!owner || !user || typeof permissions !== "number") return null;
  const metadataClear = revision >= 4 && encrypt.get("EncryptMetadata") === false;
  let hash = digest(
    "md5",
    PASSWORD_PAD,
    owner.subarray(0, 32),
    int32LE(permissions),
    fileId,
    metadataClear ? Uint8Array.of(0xff, 0xff, 0xff, 0xff) : new Uint8Array(0),
  );
  if (revision >= 3) for (let i = 0; i < 50; i++) hash = digest("md5", hash.subarray(0, keyBytes));
  const key = hash.subarray(0, keyBytes);
  if (revision === 2) {
    const check = rc4(key, PASSWORD_PAD);
    return check.every((b, i) => b === user[i]) ? key : null;
  }
  let check = rc4(key, digest("md5", PASSWORD_PAD, fileId));
  for (let i = 1; i <= 19; i++)
    check = rc4(
      key.map((b) => b ^ i),
      check,
    );
  return check.every((b, i) => b === user[i]) ? key : null;
}

/** Revisions 5–6: the AES-256 file key, unwrapped from `/UE` with the (empty) password; null when it needs one. */
function modernKey(encrypt: Dict, revision: number): Uint8Array | null {
  const user = bytes(encrypt.get("U") ?? null);
  const wrapped = bytes(encrypt.get("UE") ?? null);
  if (!user || user.length < 48 || !wrapped || wrapped.length !== 32) return null;
  const password = new Uint8Array(0);
  const hash = (salt: Uint8Array) =>
    revision >= 6 ? hardenedHash(password, salt, new Uint8Array(0)) : digest("sha256", salt);
  const check = hash(user.subarray(32, 40));
  if (!check.every((b, i) => b === user[i])) return null;
  return aesBlocks("decrypt", hash(user.subarray(40, 48)), new Uint8Array(16), wrapped);
}

function streamCipher(encrypt: Dict, version: number): Cipher | null {
  if (version === 1 || version === 2) return "rc4";
  if (version !== 4 && version !== 5) return null;
  const filterName = encrypt.get("StmF");
  const name = filterName instanceof Name ? filterName.name : "Identity";
  if (name === "Identity") return "identity";
  const filters = encrypt.get("CF");
  const filter = filters instanceof Map ? filters.get(name) : null;
  const method = filter instanceof Map ? filter.get("CFM") : null;
  switch (method instanceof Name ? method.name : "None") {
    case "V2":
      return "rc4";
    case "AESV2":
      return "aes128";
    case "AESV3":
      return "aes256";
    case "None":
      return "identity";
    default:
      return null;
  }
}

/** Opens a file's encryption with the empty user password. `encrypt` must have its references resolved. */
export function openSecurity(encrypt: Dict, fileId: Uint8Array): Security {
  const handler = encrypt.get("Filter");
  const handlerName = handler instanceof Name ? handler.name : "unknown";
  if (handlerName !== "Standard") return { status: "unsupported", scheme: `the ${handlerName} security handler` };
  const version = encrypt.get("V");
  const revision = encrypt.get("R");
  if (typeof version !== "number" || typeof revision !== "number") {
    return { status: "unsupported", scheme: "an incomplete encryption dictionary" };
  }
  const cipher = streamCipher(encrypt, version);
  if (!cipher) return { status: "unsupported", scheme: `encryption version ${version}` };
  if (revision >= 5) {
    const key = modernKey(encrypt, revision);
    if (!key) return { status: "password" };
    return { status: "open", decryptor: decryptorFor(cipher, key, 32) };
  }
  const length = encrypt.get("Length");
  // `/Length` is in bits, 40 by default; version 4 files (crypt filters) use 128-bit keys when they do not say.
  const bits = typeof length === "number" ? length : version === 4 ? 128 : 40;
  const keyBytes = revision === 2 ? 5 : Math.min(16, Math.max(5, Math.floor(bits / 8)));
  const key = legacyKey(encrypt, revision, keyBytes, fileId);
  if (!key) return { status: "password" };
  return { status: "open", decryptor: decryptorFor(cipher, key, keyBytes) };
}

function decryptorFor(cipher: Cipher, key: Uint8Array, keyBytes: number): Decryptor {
  /** Algorithm 1: revisions 2–4 mix the object's number and generation (and a salt for AES) into its key. */
  const objectKey = (num: number, gen: number, salt: Uint8Array) =>
    digest(
      "md5",
      key,
      Uint8Array.of(num & 0xff, (num >> 8) & 0xff, (num >> 16) & 0xff, gen & 0xff, (gen >> 8) & 0xff),
      salt,
    ).subarray(0, Math.min(keyBytes + 5, 16));
  return {
    decrypt(data, num, gen) {
      switch (cipher) {
        case "identity":
          return data;
        case "rc4":
          return rc4(objectKey(num, gen, new Uint8Array(0)), data);
        case "aes128":
          return aesDecryptStream(objectKey(num, gen, AES_SALT), data);
        case "aes256":
          return aesDecryptStream(key, data);
      }
    },
  };
}
