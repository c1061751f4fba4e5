import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ScriptedLlm, startScriptedLlm } from "./index";

let llm: ScriptedLlm;
let client: OpenAI;

beforeAll(async () => {
  llm = await startScriptedLlm({ mode: "script", models: ["planner-model"] });
  client = new OpenAI({ baseURL: llm.url, apiKey: "unused", maxRetries: 0 });
});
afterAll(() => llm.stop());
afterEach(() => llm.reset());

const ask = (model: string, content = "go") =>
  client.chat.completions.create({ model, messages: [{ role: "user", content }] }).then((r) => r.choices[0]?.message);

describe("script queues", () => {
  it("replies in queue order and then reports the queue as exhausted", async () => {
    llm.script(["first", "second", { toolCalls: [{ name: "f", arguments: "{}" }] }], "order");
    expect((await ask("scripted:order"))?.content).toBe("first");
    expect((await ask("scripted:order"))?.content).toBe("second");
    expect((await ask("scripted:order"))?.tool_calls?.[0]).toMatchObject({ type: "function", function: { name: "f" } });
    const err = await ask("scripted:order").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe("script_exhausted");
  });

  it("keeps parallel tests apart by scriptId", async () => {
    const ids = ["a", "b", "c", "d"];
    for (const id of ids)
      llm.script(
        [1, 2, 3].map((n) => `${id}${n}`),
        id,
      );
    const runs = ids.map(async (id) => {
      const got: string[] = [];
      for (let i = 0; i < 3; i++) got.push((await ask(`scripted:${id}`))?.content ?? "");
      return got;
    });
    expect(await Promise.all(runs)).toEqual(ids.map((id) => [`${id}1`, `${id}2`, `${id}3`]));
  });

  it("uses the default queue for `scripted` and the model's own queue for aliases in script mode", async () => {
    llm.script(["from default"]);
    llm.script(["from alias"], "planner-model");
    expect((await ask("scripted"))?.content).toBe("from default");
    expect((await ask("planner-model"))?.content).toBe("from alias");
  });

  it("appends by default and replaces on request", async () => {
    llm.script(["x"], "r");
    expect(llm.script(["y"], "r")).toBe(2);
    expect(llm.script(["z"], "r", true)).toBe(1);
    expect((await ask("scripted:r"))?.content).toBe("z");
  });

  it("delays one reply and serves scripted errors without consuming others", async () => {
    llm.script([{ content: "late", delayMs: 80 }, { error: { status: 429, retryAfter: 2 } }, "after"], "mix");
    const t0 = performance.now();
    expect((await ask("scripted:mix"))?.content).toBe("late");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(75);
    const err = await ask("scripted:mix").catch((e: unknown) => e);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers.get("retry-after")).toBe("2");
    expect((await ask("scripted:mix"))?.content).toBe("after");
  });

  it("rejects malformed scripts", () => {
    // SAFETY: deliberately invalid entries to exercise validation.
    expect(() => llm.script([{ error: { status: 200 } }] as never, "bad")).toThrow(/status/);
  });
});
