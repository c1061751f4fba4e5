/** The sessions REST API, WebSocket authentication, and the agent's session tools (code, documents, memory, feedback). */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { documents, feedback } from "../../worker/db/schema";
import { call, expectJson, newTenant, until, useTestDb } from "./harness";
import { createSession, openSocket, script } from "./session-client";

const handle = useTestDb();

interface SessionBody {
  id: string;
  title: string;
  status: string;
}

describe("sessions API", () => {
  it("creates, lists with search and paging, renames, archives and reopens", async () => {
    const { apiKey } = await newTenant(handle, "sessions");
    const key = apiKey.secret;
    const ids: string[] = [];
    for (const title of ["Alpha report", "Beta notes", "Gamma report"]) ids.push(await createSession(key, title));
    const untitled = await expectJson<SessionBody>(await call("/v1/sessions", { method: "POST", key, json: {} }), 201);
    expect(untitled.title).toBe("New session");

    const page1 = await expectJson<{ sessions: SessionBody[]; nextCursor: string }>(
      await call("/v1/sessions?limit=2", { key }),
      200,
    );
    expect(page1.sessions.map((x) => x.id)).toEqual([untitled.id, ids[2]]);
    const page2 = await expectJson<{ sessions: SessionBody[]; nextCursor: string | null }>(
      await call(`/v1/sessions?limit=2&cursor=${encodeURIComponent(page1.nextCursor)}`, { key }),
      200,
    );
    expect(page2.sessions.map((x) => x.id)).toEqual([ids[1], ids[0]]);
    expect(page2.nextCursor).toBeNull();
    const found = await expectJson<{ sessions: SessionBody[] }>(await call("/v1/sessions?q=REPORT", { key }), 200);
    expect(found.sessions.map((x) => x.title).sort()).toEqual(["Alpha report", "Gamma report"]);

    const renamed = await expectJson<SessionBody>(
      await call(`/v1/sessions/${ids[0]}`, { method: "PATCH", key, json: { title: "Renamed" } }),
      200,
    );
    expect(renamed.title).toBe("Renamed");
    const archived = await expectJson<SessionBody>(
      await call(`/v1/sessions/${ids[0]}`, { method: "DELETE", key }),
      200,
    );
    expect(archived.status).toBe("archived");
    const active = await expectJson<{ sessions: SessionBody[] }>(await call("/v1/sessions", { key }), 200);
    expect(active.sessions.map((x) => x.id)).not.toContain(ids[0]);
    const inArchive = await expectJson<{ sessions: SessionBody[] }>(
      await call("/v1/sessions?status=archived", { key }),
      200,
    );
    expect(inArchive.sessions.map((x) => x.id)).toEqual([ids[0]]);
    const reopened = await expectJson<SessionBody>(
      await call(`/v1/sessions/${ids[0]}`, { method: "PATCH", key, json: { status: "active" } }),
      200,
    );
    expect(reopened.status).toBe("active");
    const detail = await expectJson<{ turns: unknown[] }>(await call(`/v1/sessions/${ids[0]}`, { key }), 200);
    expect(detail.turns).toEqual([]);
  });

  it("rejects bad input with the field named and changes nothing", async () => {
    const { apiKey } = await newTenant(handle, "sessions-bad");
    const key = apiKey.secret;
    const id = await createSession(key, "Keep me");
    const cases: Array<[string, RequestInit & { key: string; json?: unknown }, string]> = [
      ["/v1/sessions", { method: "POST", key, json: { title: "x".repeat(201) } }, "json.title"],
      [`/v1/sessions/${id}`, { method: "PATCH", key, json: {} }, "json"],
      [`/v1/sessions/${id}`, { method: "PATCH", key, json: { status: "deleted" } }, "json.status"],
      ["/v1/sessions?limit=0", { key }, "query.limit"],
      ["/v1/sessions?cursor=garbage", { key }, "query.cursor"],
      [`/v1/sessions/${id}/events?after=-1`, { key }, "query.after"],
    ];
    for (const [path, init, field] of cases) {
      const body = await expectJson<{ error: { code: string; details: { issues: Array<{ field: string }> } } }>(
        await call(path, init),
        400,
      );
      expect(body.error.code).toBe("validation_failed");
      expect(body.error.details.issues.map((i) => i.field)).toContain(field);
    }
    const after = await expectJson<SessionBody>(await call(`/v1/sessions/${id}`, { key }), 200);
    expect(after.title).toBe("Keep me");
  });

  it("hides other tenants' sessions and refuses missing or weak credentials", async () => {
    const a = await newTenant(handle, "owner");
    const b = await newTenant(handle, "intruder");
    const reader = await newTenant(handle, "reader", ["sessions:read"]);
    const id = await createSession(a.apiKey.secret, "Private");
    for (const [path, method] of [
      [`/v1/sessions/${id}`, "GET"],
      [`/v1/sessions/${id}`, "PATCH"],
      [`/v1/sessions/${id}`, "DELETE"],
      [`/v1/sessions/${id}/turns`, "GET"],
      [`/v1/sessions/${id}/events`, "GET"],
    ] as const) {
      const res = await call(path, {
        method,
        key: b.apiKey.secret,
        ...(method === "PATCH" ? { json: { title: "x" } } : {}),
      });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect((await call("/v1/sessions")).status).toBe(401);
    expect((await call("/v1/sessions", { method: "POST", key: reader.apiKey.secret, json: {} })).status).toBe(403);
    const upgrade = (headers: Record<string, string>, query = "") =>
      call(`/v1/sessions/${id}/ws${query}`, { headers: { upgrade: "websocket", ...headers } });
    expect((await upgrade({})).status).toBe(401);
    expect((await upgrade({ authorization: `Bearer ${b.apiKey.secret}` })).status).toBe(404);
    expect((await upgrade({}, "?ticket=wst_forged")).status).toBe(401);
    expect((await call(`/v1/sessions/${id}/ws`, { key: a.apiKey.secret })).status).toBe(426);
  });

  it("opens the socket with a single-use ticket and refuses an archived session", async () => {
    const { apiKey } = await newTenant(handle, "ticket");
    const key = apiKey.secret;
    const id = await createSession(key);
    const { ticket } = await expectJson<{ ticket: string }>(
      await call("/v1/ws-tickets", { method: "POST", key, json: { sessionId: id } }),
      201,
    );
    const ws = await openSocket(id, { query: `?ticket=${ticket}` });
    ws.send({ type: "resume", after: 0 });
    ws.close();
    const again = await call(`/v1/sessions/${id}/ws?ticket=${ticket}`, { headers: { upgrade: "websocket" } });
    expect(again.status).toBe(401);
    await call(`/v1/sessions/${id}`, { method: "DELETE", key });
    const archived = await call(`/v1/sessions/${id}/ws`, { key, headers: { upgrade: "websocket" } });
    expect(archived.status).toBe(409);
  });
});

describe("session tools", () => {
  it("keeps execute_code variables across turns and pages the event log over REST", async () => {
    const { apiKey } = await newTenant(handle, "code");
    const key = apiKey.secret;
    const id = await createSession(key);
    const model = `scripted:code-${crypto.randomUUID()}`;
    await script(model.slice("scripted:".length), [
      { toolCalls: [{ name: "execute_code", arguments: { code: "x = 41\nprint('set')" } }] },
      "Stored x.",
      { toolCalls: [{ name: "execute_code", arguments: { code: "print(x + 1)" } }] },
      "x + 1 is 42.",
    ]);
    const ws = await openSocket(id, { key });
    ws.send({ type: "message", text: "set x", mode: "tools", models: { planner: model } });
    await ws.waitForTurnEnd();
    ws.send({ type: "message", text: "print x+1", mode: "tools", models: { planner: model } });
    await ws.waitFor((f) => f.kind === "turn_completed" && f.data.answer === "x + 1 is 42.");
    const results = ws.logged.filter((f) => f.kind === "tool_result");
    expect(results.map((f) => String(f.data.output).trim())).toEqual(["set", "42"]);
    const sandboxFrames = ws.logged.filter((f) => f.kind === "sandbox");
    expect(sandboxFrames.map((f) => f.data.event)).toEqual(["created"]);
    const firstTurn = ws.logged.find((f) => f.kind === "turn_started");
    expect(sandboxFrames[0]).toMatchObject({ runId: firstTurn?.runId, turnId: firstTurn?.turnId, depth: 0 });
    ws.close();

    const first = await expectJson<{ events: Array<{ seq: number }>; lastSeq: number; hasMore: boolean }>(
      await call(`/v1/sessions/${id}/events?after=0&limit=3`, { key }),
      200,
    );
    expect(first.events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(first.hasMore).toBe(true);
    const rest = await expectJson<{ events: Array<{ seq: number }>; hasMore: boolean }>(
      await call(`/v1/sessions/${id}/events?after=${first.lastSeq}&limit=1000`, { key }),
      200,
    );
    expect(rest.events.length + 3).toBe(ws.logged.length);
    expect(rest.hasMore).toBe(false);
    const turns = await expectJson<{ turns: Array<{ index: number; answer: string; runId: string }> }>(
      await call(`/v1/sessions/${id}/turns`, { key }),
      200,
    );
    expect(turns.turns.map((t) => t.answer)).toEqual(["Stored x.", "x + 1 is 42."]);
    expect(turns.turns.every((t) => t.runId)).toBe(true);

    const transcript = await call(`/v1/sessions/${id}/transcript`, { key });
    expect(transcript.status).toBe(200);
    expect(transcript.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
    expect(transcript.headers.get("content-disposition")).toBe(`attachment; filename="set-x-${id.slice(0, 8)}.md"`);
    const markdown = await transcript.text();
    expect(markdown).toContain("## 1. set x\n\n**You** · ");
    expect(markdown).toMatch(
      /\n\nStored x\.\n\n<sub>2 LLM calls · [\d,]+ tokens · \$\d+\.\d{4}<\/sub>\n\n## 2\. print x\+1\n\n/,
    );
    expect(markdown).toContain("x + 1 is 42.");
    const stranger = await newTenant(handle, "code-stranger");
    expect((await call(`/v1/sessions/${id}/transcript`, { key: stranger.apiKey.secret })).status).toBe(404);
  });

  it("deletes the session's sandbox on archive; reopened, a fresh one gets the variables that could be saved", async () => {
    const { apiKey, tenant } = await newTenant(handle, "archive-sandbox");
    const key = apiKey.secret;
    const id = await createSession(key);
    const sandboxesOf = async (session: string) => {
      const labels = encodeURIComponent(JSON.stringify({ session }));
      const res = await fetch(`${env.DAYTONA_API_URL}/sandbox?labels=${labels}`, {
        headers: { authorization: `Bearer ${env.DAYTONA_API_KEY}` },
      });
      return ((await res.json()) as { items: Array<{ id: string }> }).items.map((s) => s.id);
    };
    const model = `scripted:archive-${crypto.randomUUID()}`;
    const setup =
      "x = 41\nrows = [{'id': i, 'ok': i % 2 == 0} for i in range(3)]\ndef f():\n    return 1\ng = (i for i in range(3))";
    await script(model.slice("scripted:".length), [
      { toolCalls: [{ name: "execute_code", arguments: { code: setup } }] },
      "Stored.",
      { toolCalls: [{ name: "execute_code", arguments: { code: "print(x + 1, rows[2], 'f' in globals())" } }] },
      "Checked.",
    ]);
    const ws = await openSocket(id, { key });
    ws.send({ type: "message", text: "set things", mode: "tools", models: { planner: model } });
    await ws.waitForTurnEnd();
    const [created] = ws.logged.filter((f) => f.kind === "sandbox").map((f) => String(f.data.sandboxId));
    expect(await sandboxesOf(id)).toEqual([created]);
    // Saved after the turn; what does not pickle is named, before the turn's end.
    const saved = ws.logged.find((f) => f.kind === "sandbox" && f.data.event === "saved");
    expect(saved?.data).toMatchObject({
      variables: ["rows", "x"],
      skipped: [
        { name: "f", reason: expect.stringContaining("a function cannot be saved") },
        { name: "g", reason: expect.stringContaining("a generator cannot be saved") },
      ],
    });
    expect(ws.logged.indexOf(saved as never)).toBeLessThan(ws.logged.findIndex((f) => f.kind === "turn_completed"));
    expect(await env.DOCUMENTS.head(`sessions/${tenant.id}/${id}/variables.pickle`)).not.toBeNull();

    await expectJson(await call(`/v1/sessions/${id}`, { method: "DELETE", key }), 200);
    // Deleting takes a moment on Daytona (the sandbox is `destroying`, still listed, until it is `destroyed`).
    await until(async () => (await sandboxesOf(id)).length === 0, "the archived session's sandbox to be gone");
    const deleted = await ws.waitFor((f) => f.kind === "sandbox" && f.data.event === "deleted");
    expect(deleted.data).toMatchObject({ sandboxId: created, reason: "the session was archived" });
    // Archiving again has nothing left to delete, and still succeeds.
    await expectJson(await call(`/v1/sessions/${id}`, { method: "DELETE", key }), 200);

    await expectJson(await call(`/v1/sessions/${id}`, { method: "PATCH", key, json: { status: "active" } }), 200);
    ws.send({ type: "message", text: "are they set?", mode: "tools", models: { planner: model } });
    await ws.waitFor((f) => f.kind === "turn_completed" && f.data.answer === "Checked.");
    const results = ws.logged.filter((f) => f.kind === "tool_result").map((f) => String(f.data.output).trim());
    // The model hears, once, that this is a new process and what came back.
    expect(results.at(-1)).toBe(
      "[note] This is a new Python process (the earlier sandbox is gone); variables restored from the last turn: rows, x. Objects that could not be saved (functions, classes, open files) must be defined again.\n42 {'id': 2, 'ok': True} False",
    );
    const fresh = ws.logged.filter((f) => f.kind === "sandbox" && f.data.event === "created").at(-1);
    expect(fresh?.data.sandboxId).not.toBe(created);
    const restored = ws.logged.find((f) => f.kind === "sandbox" && f.data.event === "restored");
    expect(restored?.data).toMatchObject({ sandboxId: fresh?.data.sandboxId, variables: ["rows", "x"], skipped: [] });
    expect(
      await until(async () => {
        const left = await sandboxesOf(id);
        return left.length === 1 ? left : null;
      }, "one sandbox left"),
    ).toEqual([fresh?.data.sandboxId]);
    ws.close();
  });

  it("searches and slices an uploaded document, writes memory, and stores feedback", async () => {
    const { apiKey, tenant } = await newTenant(handle, "docs");
    const key = apiKey.secret;
    const id = await createSession(key);
    // Laid out like a document read from a PDF, whose page lines let the search say where a match is.
    const text = Array.from({ length: 300 }, (_, i) =>
      i === 199 ? "The launch code is ZEBRA-9." : i === 99 ? "--- page 2 ---" : `filler line ${i + 1}`,
    ).join("\n");
    const r2Key = `documents/${tenant.id}/${crypto.randomUUID()}`;
    await env.DOCUMENTS.put(r2Key, text);
    const [doc] = await handle.db
      .insert(documents)
      .values({
        tenantId: tenant.id,
        name: "codes.txt",
        contentType: "text/plain",
        bytes: text.length,
        r2Key,
        status: "ready",
      })
      .returning();
    const docId = doc?.id as string;
    const model = `scripted:docs-${crypto.randomUUID()}`;
    await script(model.slice("scripted:".length), [
      {
        toolCalls: [
          {
            id: "a",
            name: "search_document",
            arguments: { document_id: docId, pattern: "launch code", context_lines: 1 },
          },
          { id: "b", name: "read_document_slice", arguments: { document_id: docId, start_line: 299, num_lines: 10 } },
          { id: "c", name: "memory_write", arguments: { block: "human", content: "Asked about launch codes" } },
          {
            id: "d",
            name: "memory_write",
            arguments: { block: "scratchpad", content: "z".repeat(1_500), mode: "replace" },
          },
        ],
      },
      "The launch code is ZEBRA-9.",
    ]);
    const ws = await openSocket(id, { key });
    ws.send({ type: "message", text: "What is the launch code?", documents: [docId], models: { planner: model } });
    const end = await ws.waitForTurnEnd();
    expect(end.data.answer).toBe("The launch code is ZEBRA-9.");
    const outputs = ws.logged.filter((f) => f.kind === "tool_result").map((f) => String(f.data.output));
    expect(outputs[0]).toContain("200 (page 2): The launch code is ZEBRA-9.");
    expect(outputs[0]).toContain("199- filler line 199");
    expect(outputs[1]).toBe(
      "Lines 299–300 (from page 2):\n299: filler line 299\n300: filler line 300\n[end of document]",
    );
    expect(outputs[2]).toContain("human now holds 24 characters");
    expect(outputs[3]).toContain("[ERROR] The scratchpad block holds at most 1000 characters");
    expect(ws.logged[0]?.data.documents).toEqual([{ id: docId, name: "codes.txt" }]);

    const runId = ws.logged[0]?.runId as string;
    ws.send({ type: "feedback", runId, score: 1, comment: "spot on", expectedAnswer: "ZEBRA-9" });
    await ws.waitFor((f) => f.kind === "feedback_saved");
    const rows = await handle.db.select().from(feedback).where(eq(feedback.runId, runId));
    expect(rows).toEqual([expect.objectContaining({ score: 1, comment: "spot on", expectedAnswer: "ZEBRA-9" })]);
    ws.send({ type: "feedback", runId: crypto.randomUUID(), score: -1 });
    const refused = await ws.waitFor((f) => f.kind === "error" && f.data.code === "not_found");
    expect(refused.seq).toBeNull();
    ws.close();
  });
});
