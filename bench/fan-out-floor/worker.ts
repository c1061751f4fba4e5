/**
 * The fan-out floor of `npm run bench:rlm`: a Worker that sends `n` chat completions to the scripted LLM with at most
 * `c` in flight, from the same workerd runtime as the app but with no engine around the calls — no sandbox, budget
 * or trace. `mode=fetch` uses bare `fetch`; `mode=gateway` the app's LLM gateway (the OpenAI SDK with retries), as
 * sub-calls do. What this cannot reach at concurrency `c`, the engine cannot either.
 */
import { createLlmGateway } from "../../worker/llm";
import { mapWithConcurrency } from "../../worker/rlm/concurrency";

/** Query of `GET /`: the scripted LLM's `/v1` URL, how many calls, how many in flight, and through what. */
function params(url: URL) {
  return {
    base: url.searchParams.get("base") ?? "",
    n: Number(url.searchParams.get("n") ?? 256),
    c: Number(url.searchParams.get("c") ?? 16),
    mode: url.searchParams.get("mode") === "gateway" ? "gateway" : "fetch",
  };
}

export default {
  async fetch(request: Request): Promise<Response> {
    const { base, n, c, mode } = params(new URL(request.url));
    const messages = [{ role: "user" as const, content: "Say ok." }];
    const gateway = createLlmGateway({ baseUrl: base, models: { planner: "solver", delegate: "solver" } });
    const call = async () => {
      if (mode === "gateway") return void (await gateway.complete({ role: "delegate", messages }));
      const res = await fetch(`${base}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "solver", messages }),
      });
      await res.json();
    };
    const started = Date.now();
    await mapWithConcurrency(Array.from({ length: n }), c, call);
    return Response.json({ ms: Date.now() - started });
  },
} satisfies ExportedHandler;
