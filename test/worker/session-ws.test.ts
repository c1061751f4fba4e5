/**
 * The chat protocol end to end inside workerd: the real Worker and SessionDO, the scripted OpenAI-compatible server,
 * real sandboxes from the dev sandbox server, and Postgres. Each test uses its own tenant, session and script.
 */

import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getBudgetStub } from "../../worker/budget";
import type { ServerFrame } from "../../worker/contracts/session";
import { runSteps, runs, turns } from "../../worker/db/schema";
import { getSessionStub } from "../../worker/durable/session-stub";
import { newTenant, useTestDb } from "./harness";
import { createSession, expectGapless, openSocket, requestsOf, script } from "./session-client";

const handle = useTestDb();

async function setup(label: string) {
  const { apiKey } = await newTenant(handle, label);
  const sessionId = await createSession(apiKey.secret);
  const scriptId = `${label}-${crypto.randomUUID()}`;
  return { key: apiKey.secret, sessionId, model: `scripted:${scriptId}`, scriptId };
}

/** The agent delegates once; the RLM root runs code with one sub-call, then answers; the agent reports it. */
function delegationScript(options: { rootDelayMs?: number; rootCode?: string } = {}) {
  return [
    {
      toolCalls: [
        {
          id: "call_1",
          name: "delegate_to_rlm",
          arguments: { query: "What is the code word?", context: "The code word is PLUM." },
        },
      ],
    },
    {
      content: `Let me look.\n\`\`\`repl\n${options.rootCode ?? 'print(len(context))\nprint(llm_query("Say ok"))'}\n\`\`\``,
      delayMs: options.rootDelayMs ?? 0,
    },
    "FINAL(PLUM)",
    "The code word is **PLUM**.",
  ];
}

function kinds(frames: ServerFrame[]): string[] {
  return frames.map((f) => f.kind);
}

function inOrder(list: string[], expected: string[]): boolean {
  let i = 0;
  for (const k of list) if (k === expected[i]) i += 1;
  return i === expected.length;
}

describe("session WebSocket", () => {
  it("streams a full turn with a delegation, in order, and records it", async () => {
    const s = await setup("turn");
    await script(s.scriptId, delegationScript());
    const ws = await openSocket(s.sessionId, { key: s.key });
    ws.send({ type: "resume", after: 0 });
    ws.send({ type: "message", text: "Find the code word", models: { planner: s.model, delegate: "solver" } });
    const end = await ws.waitForTurnEnd();
    expect(end.kind).toBe("turn_completed");
    expect(end.data.answer).toBe("The code word is **PLUM**.");

    const frames = ws.logged;
    expectGapless(frames.map((f) => f.seq as number));
    expect(frames[0]?.kind).toBe("turn_started");
    expect(frames.at(-1)?.kind).toBe("turn_completed");
    const list = kinds(frames);
    expect(
      inOrder(list, [
        "turn_started",
        "llm_call",
        "tool_call",
        "rlm_started",
        "rlm_iteration",
        "rlm_iteration",
        "rlm_completed",
        "tool_result",
        "assistant_delta",
        "turn_completed",
      ]),
      list.join(" "),
    ).toBe(true);
    expect(list).toContain("budget");
    const agentRunId = frames[0]?.runId as string;
    expect(frames.filter((f) => f.kind === "rlm_completed").map((f) => f.runId)).toEqual([
      frames.find((f) => f.kind === "rlm_started")?.runId,
    ]);
    const rlmStarted = frames.find((f) => f.kind === "rlm_started");
    expect(rlmStarted).toMatchObject({ parentRunId: agentRunId, depth: 1 });
    const iteration = frames.find((f) => f.kind === "rlm_iteration");
    expect(iteration?.data.blocks).toEqual([expect.objectContaining({ outputChars: expect.any(Number) })]);
    const toolResult = frames.find((f) => f.kind === "tool_result");
    expect(toolResult?.data).toMatchObject({ name: "delegate_to_rlm", ok: true, output: "PLUM" });
    expect(frames.every((f) => f.turnId === frames[0]?.turnId)).toBe(true);

    const [turn] = await handle.db
      .select()
      .from(turns)
      .where(eq(turns.id, frames[0]?.turnId as string));
    expect(turn).toMatchObject({ status: "completed", answer: "The code word is **PLUM**.", index: 0 });
    expect(turn?.usage?.llmCalls).toBe(5); // agent ×2, RLM root ×2, one sub-call
    const tree = await handle.db.select().from(runs).where(eq(runs.rootRunId, agentRunId));
    expect(tree.map((r) => `${r.kind}:${r.status}`).sort()).toEqual(["agent:completed", "rlm:completed"]);
    const agentSteps = await handle.db.select().from(runSteps).where(eq(runSteps.runId, agentRunId));
    expect(agentSteps.map((s) => s.kind).sort()).toEqual(["llm_call", "llm_call", "observation", "tool_call"]);
    ws.close();
  });

  it("replays every frame exactly once after a disconnect mid-turn", async () => {
    const s = await setup("resume");
    await script(s.scriptId, delegationScript({ rootDelayMs: 600 }));
    const first = await openSocket(s.sessionId, { key: s.key });
    first.send({ type: "message", text: "Find the code word", models: { planner: s.model, delegate: "solver" } });
    await first.waitFor((f) => f.kind === "rlm_started");
    first.close();
    const seen = first.logged.map((f) => f.seq as number);
    const lastSeen = Math.max(...seen);

    const second = await openSocket(s.sessionId, { key: s.key });
    second.send({ type: "resume", after: lastSeen });
    const end = await second.waitForTurnEnd();
    expect(end.kind).toBe("turn_completed");
    const replayed = second.logged.map((f) => f.seq as number);
    expect(Math.min(...replayed)).toBe(lastSeen + 1);
    expectGapless([...seen, ...replayed]);
    second.close();
  });

  it("streams one turn to every socket of the session", async () => {
    const s = await setup("tabs");
    await script(s.scriptId, ["Hello from the agent."]);
    const a = await openSocket(s.sessionId, { key: s.key });
    const b = await openSocket(s.sessionId, { key: s.key });
    a.send({ type: "resume", after: 0 });
    b.send({ type: "resume", after: 0 });
    a.send({ type: "message", text: "hi", models: { planner: s.model } });
    await a.waitForTurnEnd();
    await b.waitForTurnEnd();
    expect(b.logged.map((f) => f.seq)).toEqual(a.logged.map((f) => f.seq));
    expect(b.logged.find((f) => f.kind === "turn_completed")?.data.answer).toBe("Hello from the agent.");
    a.close();
    b.close();
  });

  it("refuses a second message during a turn, and cancels mid-delegation leaving nothing running", async () => {
    const s = await setup("cancel");
    await script(s.scriptId, delegationScript({ rootCode: "import time\nfor i in range(600):\n    time.sleep(0.1)" }));
    const ws = await openSocket(s.sessionId, { key: s.key });
    ws.send({ type: "message", text: "Find the code word", models: { planner: s.model, delegate: "solver" } });
    const started = await ws.waitFor((f) => f.kind === "turn_started");
    await ws.waitFor((f) => f.kind === "rlm_started");
    ws.send({ type: "message", text: "and another thing", models: { planner: s.model } });
    const refused = await ws.waitFor((f) => f.kind === "error" && f.data.code === "turn_in_progress");
    expect(refused.seq).toBeNull();

    // Give the root's code time to start sleeping in the sandbox, then cancel.
    await ws.waitFor((f) => f.kind === "llm_call" && f.depth === 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const cancelAt = Date.now();
    ws.send({ type: "cancel" });
    const end = await ws.waitForTurnEnd(15_000);
    expect(end.kind).toBe("cancelled");
    expect(Date.now() - cancelAt).toBeLessThan(10_000);

    const agentRunId = started.runId as string;
    const tree = await handle.db.select().from(runs).where(eq(runs.rootRunId, agentRunId));
    expect(tree.length).toBe(2);
    expect(
      tree.every((r) => r.status === "cancelled"),
      JSON.stringify(tree.map((r) => r.status)),
    ).toBe(true);
    const [turn] = await handle.db
      .select()
      .from(turns)
      .where(eq(turns.id, started.turnId as string));
    expect(turn?.status).toBe("cancelled");
    const budget = await getBudgetStub(env, agentRunId).snapshot();
    expect(budget.totals.reserved).toEqual({ llmCalls: 0, tokens: 0, costUsd: 0 });
    expect(budget.totals.sandboxes).toBe(0);
    expect(budget.cancelled).not.toBeNull();
    ws.close();
  });

  it("answers malformed frames with an error naming the field and stays usable", async () => {
    const s = await setup("bad");
    await script(s.scriptId, ["Still here."]);
    const ws = await openSocket(s.sessionId, { key: s.key });
    ws.send("this is not json");
    ws.send({ type: "message", text: "" });
    ws.send({ type: "teleport" });
    ws.send({ type: "message", text: "hi", documents: ["not-a-uuid"] });
    await ws.waitFor(() => ws.frames.length >= 4);
    const errors = ws.frames.slice(0, 4);
    expect(errors.every((f) => f.kind === "error" && f.seq === null && f.data.code === "validation_failed")).toBe(true);
    expect(errors[1]?.data.issues).toEqual([expect.objectContaining({ field: "text" })]);
    expect(errors[3]?.data.issues).toEqual([expect.objectContaining({ field: "documents.0" })]);
    ws.send({ type: "message", text: "hi", documents: [crypto.randomUUID()], models: { planner: s.model } });
    const unknownDoc = await ws.waitFor(
      (f) => f.kind === "error" && f.data.code === "validation_failed" && ws.frames.indexOf(f) >= 4,
    );
    expect(unknownDoc.data.issues).toEqual([expect.objectContaining({ field: "documents.0" })]);
    expect(await handle.db.select().from(turns).where(eq(turns.sessionId, s.sessionId))).toEqual([]);

    ws.send({ type: "message", text: "hi", models: { planner: s.model } });
    const end = await ws.waitForTurnEnd();
    expect(end.data.answer).toBe("Still here.");
    ws.close();
  });

  it("continues a conversation after the object was evicted, with history from storage", async () => {
    const s = await setup("evict");
    await script(s.scriptId, ["Noted: your favourite colour is teal.", "You said teal."]);
    const first = await openSocket(s.sessionId, { key: s.key });
    first.send({ type: "message", text: "My favourite colour is teal.", models: { planner: s.model } });
    await first.waitForTurnEnd();
    const lastSeq = Math.max(...first.logged.map((f) => f.seq as number));
    first.close();

    await evictDurableObject(getSessionStub(env, s.sessionId), { webSockets: "close" });

    const second = await openSocket(s.sessionId, { key: s.key });
    second.send({ type: "resume", after: lastSeq });
    second.send({ type: "message", text: "What is my favourite colour?", models: { planner: s.model } });
    const end = await second.waitForTurnEnd();
    expect(end.data.answer).toBe("You said teal.");
    expect(second.logged[0]?.seq).toBe(lastSeq + 1);
    const [, secondRequest] = await requestsOf(s.model);
    const contents = secondRequest?.body.messages.map((m) => m.content) ?? [];
    expect(contents).toContain("My favourite colour is teal.");
    expect(contents).toContain("Noted: your favourite colour is teal.");
    const rows = await handle.db
      .select()
      .from(turns)
      .where(and(eq(turns.sessionId, s.sessionId), eq(turns.status, "completed")));
    expect(rows.map((r) => r.index).sort()).toEqual([0, 1]);
    second.close();
  });
});
