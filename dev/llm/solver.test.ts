import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { extremeLabel, makeNiah, makeOolong } from "./fixtures";
import { type ScriptedLlm, startScriptedLlm } from "./index";
import { runMiniRlm } from "./mini-rlm";
import { classifyInstance, detectTask, rootReply, subReply, TREC_LABELS } from "./solver/index";
import type { ChatMessage } from "./types";

let llm: ScriptedLlm;
let client: OpenAI;

beforeAll(async () => {
  llm = await startScriptedLlm({});
  client = new OpenAI({ baseURL: llm.url, apiKey: "unused", maxRetries: 0 });
});
afterAll(() => llm.stop());
afterEach(() => llm.reset());

const PY = { timeout: 60_000 };
const countQ = (label: string) =>
  `In the above data, how many data points should be classified as label '${label}'? Give your final answer in the form 'Answer: number'.`;

describe("task detection", () => {
  it("recognises needle and counting questions and their modifiers", () => {
    expect(
      detectTask("What is the special magic number for quiet-harbor mentioned in the provided text?").task,
    ).toEqual({
      kind: "niah",
      key: "quiet-harbor",
      valueKind: "number",
    });
    expect(detectTask(countQ("numeric value")).task).toMatchObject({
      kind: "count",
      mode: "count",
      target: "numeric value",
    });
    expect(detectTask("Which of the labels is the most common? Give 'Label: answer'.").task).toMatchObject({
      mode: "most",
    });
    expect(detectTask("What is the least common label?").task).toMatchObject({ mode: "least" });
    expect(
      detectTask("Is label 'entity' more common, less common, or the same frequency as label 'location'?").task,
    ).toMatchObject({ mode: "compare", target: "entity", other: "location" });
    const subset = detectTask(
      `For the following question, only consider the subset of instances that are associated with user IDs 123, 456 and 789. ${countQ("entity")}`,
    );
    expect(subset.task).toMatchObject({ users: ["123", "456", "789"] });
    expect(detectTask("Which user is the most frequent user?").task.kind).toBe("unknown");
    expect(detectTask("fan out 256 over the document")).toMatchObject({ task: { kind: "unknown" }, fanOut: 256 });
    expect(detectTask('Find the special magic number for "k" in the context. [part 2/2]').part).toEqual({
      index: 2,
      total: 2,
    });
  });

  it("classifies the fixture instances as labelled", () => {
    const o = makeOolong({ lines: 300, seed: 3, labelled: true });
    for (const line of o.context.split("\n").filter((l) => l.includes("||"))) {
      const instance = /Instance: (.*) \|\| Label/.exec(line)?.[1] ?? "";
      const label = /Label: (.*)$/.exec(line)?.[1];
      expect(classifyInstance(instance), instance).toBe(label);
    }
  });
});

describe("sub-model", () => {
  it("finds a needle, counts labels, and answers questions by reading the prompt", () => {
    const n = makeNiah({ chars: 3000, seed: 2 });
    expect(subReply(`Find the special magic number for "${n.key}" in the text below.\n\nText:\n${n.context}`)).toBe(
      n.value,
    );
    expect(subReply(`Find the special magic number for "absent-key" in the text below.\n\nText:\n${n.context}`)).toBe(
      "NONE",
    );
    const o = makeOolong({ lines: 120, seed: 4 });
    const counts = JSON.parse(
      subReply(
        `Classify every data line below by its label and count them. Reply with only a JSON object.\n\nLines:\n${o.context}`,
      ),
    );
    expect(counts).toEqual(Object.fromEntries(Object.entries(o.counts).filter(([, n]) => n > 0)));
    expect(subReply(`${countQ("entity")}\n\n${o.context}`)).toBe(`Answer: ${o.counts.entity}`);
    expect(subReply("Count the characters of the text after the line '---'.\n---\nhé🙂")).toBe("3");
    expect(subReply("ping 7")).toBe("pong 7");
  });
});

describe("root steps", () => {
  const system: ChatMessage = { role: "system", content: "You have a REPL with `context` and llm_query." };
  const q: ChatMessage = { role: "user", content: countQ("entity") };
  const flags = { depth2: false, role: "auto", final: "auto", explore: 0, subcalls: true } as const;

  it("computes first, answers after seeing the output, retries once after an error, then gives up", () => {
    const first = rootReply([system, q], flags);
    expect(first).toContain("```repl\n");
    expect(first).toContain("llm_query_batched(prompts)");
    const withOutput = (output: string): ChatMessage[] => [
      system,
      q,
      { role: "assistant", content: first },
      { role: "user", content: `Code executed:\n\`\`\`python\n...\n\`\`\`\n\nREPL output:\n${output}` },
    ];
    expect(rootReply(withOutput("counts: {}\nfinal_answer -> Answer: 12\n"), flags)).toMatch(/^FINAL\(Answer: 12\)$/m);
    const retry = rootReply(withOutput("\nNameError: name 'llm_query_batched' is not defined"), flags);
    expect(retry).toContain("```repl");
    const history = [
      ...withOutput("NameError: x"),
      { role: "assistant" as const, content: retry },
      { role: "user" as const, content: "REPL output:\nNameError: x" },
    ];
    expect(rootReply(history, flags)).toMatch(/^FINAL\(I could not compute the answer: NameError: x\)$/m);
  });

  it("answers at once when the engine forces a final answer", () => {
    const msgs: ChatMessage[] = [
      system,
      q,
      { role: "assistant", content: "```repl\nprint(1)\n```" },
      { role: "user", content: "REPL output:\nfinal_answer -> Answer: 3" },
      { role: "assistant", content: "```repl\nprint(2)\n```" },
      {
        role: "user",
        content: "Please provide a final answer to the user's question based on the information provided.",
      },
    ];
    expect(rootReply(msgs, flags)).toBe("FINAL(Answer: 3)");
  });
});

describe("solver through the HTTP API", () => {
  it("plays root, sub and agent by request shape", async () => {
    const root = await client.chat.completions.create({
      model: "solver",
      messages: [
        { role: "system", content: "Use the REPL." },
        { role: "user", content: countQ("entity") },
      ],
    });
    expect(root.choices[0]?.message.content).toContain("```repl");
    const sub = await client.chat.completions.create({
      model: "solver",
      messages: [{ role: "user", content: "ping 1" }],
    });
    expect(sub.choices[0]?.message.content).toBe("pong 1");
    expect(llm.requests().map((r) => r.handler)).toEqual(["solver:root", "solver:sub"]);
  });

  it("as a ReAct agent: delegates to delegate_to_rlm, then answers from the tool result (streamed)", async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: "function",
        function: {
          name: "delegate_to_rlm",
          parameters: { type: "object", properties: { query: { type: "string" }, context: { type: "string" } } },
        },
      },
    ];
    const user = { role: "user" as const, content: countQ("location") };
    const stream = client.chat.completions.stream({ model: "solver", messages: [user], tools });
    const first = await stream.finalChatCompletion();
    const call = first.choices[0]?.message.tool_calls?.[0];
    if (call?.type !== "function") throw new Error("expected a function call");
    expect(call.function.name).toBe("delegate_to_rlm");
    expect(JSON.parse(call.function.arguments)).toEqual({ query: user.content });
    const second = await client.chat.completions.create({
      model: "solver",
      tools,
      messages: [
        user,
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: call.id, content: JSON.stringify({ answer: "Answer: 17" }) },
      ],
    });
    expect(second.choices[0]?.message.content).toBe("Answer: 17");
    const chat = await client.chat.completions.create({
      model: "solver",
      tools,
      messages: [{ role: "user", content: "hi!" }],
    });
    expect(chat.choices[0]?.message.content).toMatch(/^Hello/);
    const none = await client.chat.completions.create({
      model: "solver",
      tools,
      tool_choice: "none",
      messages: [user],
    });
    expect(none.choices[0]?.message.tool_calls).toBeUndefined();
  });
});

describe("solver code runs in Python and answers correctly", () => {
  it("S-NIAH at depth 1: chunks + llm_query_batched, then FINAL_VAR", PY, async () => {
    const n = makeNiah({ chars: 120_000, depth: 0.61, seed: 11 });
    const r = await runMiniRlm({ baseUrl: llm.url, model: "solver", question: n.question, context: n.context });
    expect(r).toMatchObject({ answer: n.value, final_source: "final_var", iterations: 2, root_calls: 2 });
    // 120k characters in 20k-character chunks.
    expect(r.sub_calls).toBe(7);
  });

  it("S-NIAH with a list context and `final=code` (FINAL_VAR called in code)", PY, async () => {
    const n = makeNiah({ chars: 30_000, depth: 0.2, seed: 5 });
    const docs = Array.from({ length: Math.ceil(n.context.length / 5000) }, (_, i) =>
      n.context.slice(i * 5000, (i + 1) * 5000),
    );
    const r = await runMiniRlm({ baseUrl: llm.url, model: "solver:final=code", question: n.question, context: docs });
    expect(r).toMatchObject({ answer: n.value, final_source: "code", iterations: 1 });
  });

  it("S-NIAH at depth 2: rlm_query on halves, each child using llm_query_batched", PY, async () => {
    const n = makeNiah({ chars: 80_000, depth: 0.9, seed: 12 });
    const r = await runMiniRlm({
      baseUrl: llm.url,
      model: "solver-depth2",
      question: n.question,
      context: n.context,
      maxDepth: 2,
    });
    expect(r).toMatchObject({ answer: n.value, child_runs: 2, max_depth_seen: 1 });
    expect(r.root_calls).toBe(6);
  });

  it("S-NIAH survives failing sub-calls (retry, then a direct scan)", PY, async () => {
    llm.failRate({ probability: 0.6, status: 500, seed: 3, model: "solver:role=sub" });
    const n = makeNiah({ chars: 100_000, seed: 13 });
    const r = await runMiniRlm({
      baseUrl: llm.url,
      model: "solver",
      subModel: "solver:role=sub",
      question: n.question,
      context: n.context,
    });
    expect(r.answer).toBe(n.value);
    expect(llm.requests().some((x) => x.status === 500)).toBe(true);
  });

  it("label counting: how many, most, least, compare, user subset", PY, async () => {
    const o = makeOolong({ lines: 900, seed: 21, labelled: true });
    const ask = (question: string, model = "solver") =>
      runMiniRlm({ baseUrl: llm.url, model, question, context: o.context });
    const count = await ask(countQ("location"));
    expect(count).toMatchObject({ answer: `Answer: ${o.counts.location}`, final_source: "final" });
    // 900 lines in 200-line chunks.
    expect(count.sub_calls).toBe(5);
    expect(
      (
        await ask(
          "In the above data, which of the labels is the most common? Give your final answer in the form 'Label: answer'.",
        )
      ).answer,
    ).toBe(`Label: ${extremeLabel(o.counts, "most")}`);
    const list = `one of 6 categories: ${TREC_LABELS.join(", ")}.`;
    expect((await ask(`Each line is ${list} Which label is the least common? Give 'Label: answer'.`)).answer).toBe(
      `Label: ${extremeLabel(o.counts, "least")}`,
    );
    const [a, b] = ["entity", "human being"];
    const ca = o.counts[a] ?? 0;
    const cb = o.counts[b] ?? 0;
    const rel = ca > cb ? "more common than" : ca < cb ? "less common than" : "same frequency as";
    expect(
      (await ask(`In the above data, is label '${a}' more common, less common, or the same frequency as label '${b}'?`))
        .answer,
    ).toBe(`Answer: ${a} is ${rel} ${b}`);
    const users = o.users.slice(0, 3);
    const subset = await ask(
      `For the following question, only consider the subset of instances that are associated with user IDs ${users.join(", ")}. ${countQ("entity")}`,
      "solver:final=dict",
    );
    expect(subset).toMatchObject({ answer: `Answer: ${o.countsFor(users).entity}`, final_source: "dict" });
  });

  it("label counting on unlabelled lines at depth 2, after one exploring turn", PY, async () => {
    const o = makeOolong({ lines: 700, seed: 22, labelled: false });
    const r = await runMiniRlm({
      baseUrl: llm.url,
      model: "solver-depth2:explore=1",
      question: countQ("numeric value"),
      context: o.context,
      maxDepth: 2,
    });
    expect(r).toMatchObject({ answer: `Answer: ${o.counts["numeric value"]}`, child_runs: 2, iterations: 3 });
  });

  it("fan out 256: exactly 256 sub-calls whose sizes add up to the context", PY, async () => {
    const context = "abcdefghij".repeat(5000);
    const r = await runMiniRlm({
      baseUrl: llm.url,
      model: "solver",
      question: "Check the document, fan out 256.",
      context,
    });
    expect(r.answer).toBe("fan-out 256: 256/256 sub-calls ok, 50000 of 50000 characters");
    expect(r.sub_calls).toBe(256);
    expect(llm.requests().filter((x) => x.handler === "solver:sub")).toHaveLength(256);
  });
});
