/**
 * Starts the fan-out floor Worker (`worker.ts`) under wrangler's local runtime and measures with it. Node side only;
 * the Worker itself runs in its own workerd, on the same machine as the app's, in the same benchmark run.
 */
import { fileURLToPath } from "node:url";
import { unstable_startWorker } from "wrangler";

/** A started floor Worker. */
export interface FanOutFloor {
  /** Wall time of `n` calls to the LLM at `llmBaseUrl` (its `/v1` URL) with `c` in flight, in ms. */
  measure(options: { llmBaseUrl: string; n: number; c: number; mode: "fetch" | "gateway" }): Promise<number>;
  stop(): Promise<void>;
}

/** Starts the floor Worker on a free loopback port. */
export async function startFanOutFloor(): Promise<FanOutFloor> {
  const worker = await unstable_startWorker({
    config: fileURLToPath(new URL("./wrangler.toml", import.meta.url)),
    dev: { server: { hostname: "127.0.0.1", port: 0 }, inspector: false, logLevel: "none", watch: false },
  });
  await worker.ready;
  const origin = (await worker.url).origin;
  return {
    async measure({ llmBaseUrl, n, c, mode }) {
      const query = new URLSearchParams({ base: llmBaseUrl, n: String(n), c: String(c), mode });
      const res = await fetch(`${origin}/?${query}`);
      if (!res.ok) throw new Error(`fan-out floor: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { ms: number }).ms;
    },
    stop: () => worker.dispose(),
  };
}
