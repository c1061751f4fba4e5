/**
 * Which relay takes the next call. Each relay is a Durable Object with its own I/O context, and Cloudflare lets one
 * context have only a few connections waiting for response headers at once (6 at the time of writing); a non-streamed
 * completion waits for its headers until the whole answer is written. So a pool spreads calls over as many relays as
 * the caller's concurrency needs, never more than `width` in flight on any one of them.
 */
export class RelayPool {
  readonly #width: number;
  readonly #inFlight: number[] = [];

  constructor(width: number) {
    if (!Number.isInteger(width) || width < 1) throw new RangeError(`relay width must be a positive integer: ${width}`);
    this.#width = width;
  }

  /** Takes a slot on the least busy relay, adding a relay when every one is full; returns the relay's index. */
  acquire(): number {
    let best = -1;
    for (let i = 0; i < this.#inFlight.length; i++) {
      const load = this.#inFlight[i] as number;
      if (load < this.#width && (best === -1 || load < (this.#inFlight[best] as number))) best = i;
    }
    if (best === -1) {
      best = this.#inFlight.length;
      this.#inFlight.push(0);
    }
    this.#inFlight[best] = (this.#inFlight[best] as number) + 1;
    return best;
  }

  /** Gives back a slot taken with {@link acquire}. */
  release(index: number): void {
    const load = this.#inFlight[index];
    if (load === undefined || load === 0) throw new RangeError(`relay ${index} has no call in flight`);
    this.#inFlight[index] = load - 1;
  }

  /** Relays created so far (they are reused, not removed, when idle). */
  get size(): number {
    return this.#inFlight.length;
  }

  /** Calls in flight on each relay. */
  get loads(): readonly number[] {
    return this.#inFlight;
  }
}
