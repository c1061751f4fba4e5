/**
 * Tenant isolation of the data layer: for every tenant table, tenant B cannot read, list, update or delete tenant A's
 * row through the scoped repository, and A's row is untouched afterwards.
 */
import { describe, expect, it } from "vitest";
import { newTenant, useTestDb } from "../../test/worker/harness";
import type { Db } from "./client";
import { repos } from "./repos";

const handle = useTestDb();

type RepoName = keyof typeof repos;

/** Inserts one row of `table` for `tenantId`, creating the parents it needs; returns the row id and a patch. */
async function seed(db: Db, name: RepoName, tenantId: string): Promise<{ id: string; patch: Record<string, unknown> }> {
  const session = () => repos.sessions.insert(db, tenantId, { title: "s" });
  const run = async () => repos.runs.insert(db, tenantId, { kind: "rlm", query: "q", sessionId: (await session()).id });
  const endpoint = () =>
    repos.webhookEndpoints.insert(db, tenantId, { direction: "inbound", name: "hook", secretCiphertext: "x" });
  switch (name) {
    case "users":
      return {
        id: (await repos.users.insert(db, tenantId, { email: `${crypto.randomUUID()}@x.io` })).id,
        patch: { name: "changed" },
      };
    case "apiKeys":
      return {
        id: (
          await repos.apiKeys.insert(db, tenantId, {
            name: "k",
            prefix: "frk_abcdefgh",
            hash: crypto.randomUUID(),
            scopes: ["admin"],
          })
        ).id,
        patch: { name: "changed" },
      };
    case "llmProfiles":
      return {
        id: (
          await repos.llmProfiles.insert(db, tenantId, {
            name: "p",
            baseUrl: "https://llm.example/v1",
            plannerModel: "m",
            delegateModel: "m",
          })
        ).id,
        patch: { name: "changed" },
      };
    case "sessions":
      return { id: (await session()).id, patch: { title: "changed" } };
    case "tasks":
      return {
        id: (
          await repos.tasks.insert(db, tenantId, {
            mode: "rlm",
            query: "q",
            request: { documents: [], budget: {}, models: {}, maxIterations: 1, maxDepth: 1, subCallConcurrency: 1 },
          })
        ).id,
        patch: { answer: "changed" },
      };
    case "turns":
      return {
        id: (await repos.turns.insert(db, tenantId, { sessionId: (await session()).id, index: 0, userMessage: "hi" }))
          .id,
        patch: { answer: "changed" },
      };
    case "runs":
      return { id: (await run()).id, patch: { answer: "changed" } };
    case "runSteps":
      return {
        id: (
          await repos.runSteps.insert(db, tenantId, { runId: (await run()).id, index: 0, kind: "iteration", data: {} })
        ).id,
        patch: { latencyMs: 99 },
      };
    case "documents":
      return {
        id: (await repos.documents.insert(db, tenantId, { name: "d.txt", contentType: "text/plain", r2Key: "k" })).id,
        patch: { name: "changed" },
      };
    case "webhookEndpoints":
      return { id: (await endpoint()).id, patch: { name: "changed" } };
    case "webhookDeliveries":
      return {
        id: (
          await repos.webhookDeliveries.insert(db, tenantId, {
            endpointId: (await endpoint()).id,
            direction: "inbound",
            messageId: crypto.randomUUID(),
            event: "task.requested",
            payload: {},
            status: "accepted",
          })
        ).id,
        patch: { attempts: 9 },
      };
    case "feedback":
      return {
        id: (await repos.feedback.insert(db, tenantId, { runId: (await run()).id, score: 1 })).id,
        patch: { comment: "changed" },
      };
  }
}

describe.each(Object.keys(repos) as RepoName[])("%s", (name) => {
  it("is invisible and immutable to another tenant", async () => {
    const a = await newTenant(handle, "a");
    const b = await newTenant(handle, "b");
    const repo = repos[name] as (typeof repos)["sessions"];
    const { id, patch } = await seed(handle.db, name, a.tenant.id);
    const before = await repo.get(handle.db, a.tenant.id, id);
    expect(before).not.toBeNull();

    expect(await repo.get(handle.db, b.tenant.id, id)).toBeNull();
    const listed = await repo.list(handle.db, b.tenant.id);
    expect(listed.map((row) => row.id)).not.toContain(id);
    expect(await repo.update(handle.db, b.tenant.id, id, patch)).toBeNull();
    expect(await repo.remove(handle.db, b.tenant.id, id)).toBe(false);
    expect(await repo.get(handle.db, a.tenant.id, id)).toEqual(before);

    const updated = await repo.update(handle.db, a.tenant.id, id, patch);
    expect(updated).toMatchObject(patch);
    expect(await repo.remove(handle.db, a.tenant.id, id)).toBe(true);
    expect(await repo.get(handle.db, a.tenant.id, id)).toBeNull();
  });
});

it("treats a malformed id as missing instead of failing", async () => {
  const a = await newTenant(handle, "m");
  expect(await repos.sessions.get(handle.db, a.tenant.id, "not-a-uuid")).toBeNull();
  expect(await repos.sessions.remove(handle.db, a.tenant.id, "'; drop table sessions; --")).toBe(false);
});
