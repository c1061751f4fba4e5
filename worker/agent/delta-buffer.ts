/**
 * Coalesces streamed text into fewer frames: a provider may send one token per chunk, and every frame is a stored,
 * broadcast event. Text waits at most {@link FLUSH_MS} or until {@link FLUSH_CHARS} characters are pending.
 */

/** Short enough that typing still looks live; long enough to merge the tokens of one burst. */
const FLUSH_MS = 40;
/** A paragraph's worth: flushing sooner gains nothing visible. */
const FLUSH_CHARS = 400;

export interface DeltaBuffer {
  push(text: string): void;
  /** Sends whatever is pending now. */
  flush(): void;
}

export function deltaBuffer(send: (text: string) => void): DeltaBuffer {
  let pending = "";
  let timer: ReturnType<typeof setTimeout> | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (pending.length === 0) return;
    const text = pending;
    pending = "";
    send(text);
  };
  return {
    push(text) {
      pending += text;
      if (pending.length >= FLUSH_CHARS) flush();
      else timer ??= setTimeout(flush, FLUSH_MS);
    },
    flush,
  };
}
