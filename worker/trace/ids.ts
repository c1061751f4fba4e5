/**
 * Trace and span ids, derived rather than random: the trace id is the root run's UUID, and span ids hash what a span
 * stands for (a run, an iteration of a run, …). So a child run can name its parent iteration's span before that span
 * is exported, and every process that sees a tree agrees on its ids without sharing state.
 */

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = 0xffffffffffffffffn;
const encoder = new TextEncoder();

/** FNV-1a, 64 bits: fast, synchronous (WebCrypto digests are async) and well spread for short keys. */
function fnv1a64(text: string): bigint {
  let hash = FNV_OFFSET;
  for (const byte of encoder.encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * FNV_PRIME) & MASK_64;
  }
  return hash;
}

/**
 * The 16-byte trace id (32 hex) of the tree whose root run is `rootRunId`: the UUID's own hex digits, so an operator
 * can go from a run id to its trace by deleting the dashes. A non-UUID id is hashed instead.
 */
export function traceIdFor(rootRunId: string): string {
  const hex = rootRunId.replaceAll("-", "").toLowerCase();
  if (/^[0-9a-f]{32}$/.test(hex) && !/^0+$/.test(hex)) return hex;
  return hex64(fnv1a64(`trace\u0000${rootRunId}`)) + hex64(fnv1a64(`trace2\u0000${rootRunId}`));
}

/** The 8-byte span id (16 hex) of the span named by `parts`, e.g. `spanIdFor("iteration", runId, "3")`. */
export function spanIdFor(...parts: string[]): string {
  const hash = fnv1a64(parts.join("\u0000"));
  // OTLP treats an all-zero id as "no id".
  return hex64(hash === 0n ? 1n : hash);
}

function hex64(value: bigint): string {
  return value.toString(16).padStart(16, "0");
}
