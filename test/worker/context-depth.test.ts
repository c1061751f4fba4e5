/**
 * JSON contexts nested deeper than the REPL can load (Python's `json.loads` and `pickle` recurse) are refused at the
 * API with a 400 naming `json.context`, instead of being accepted and failing every run with a RecursionError.
 */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { MAX_CONTEXT_DEPTH } from "../../worker/contracts/context";
import { tenants } from "../../worker/db/schema";
import { call, expectJson, newTenant, useTestDb } from "./harness";

const handle = useTestDb();

/** JSON text of `depth` nested levels, alternating objects and arrays: `{"a":[{"a":[…]}]}`. */
function nestedJson(depth: number): string {
  let text = '"leaf"';
  for (let level = depth; level > 0; level -= 1) text = level % 2 ? `{"a":${text}}` : `[${text}]`;
  return text;
}

interface ErrorBody {
  error: { code: string; message: string; details: { issues: Array<{ field: string; message: string }> } };
}

describe("a deeply nested JSON context", () => {
  for (const path of ["/v1/tasks", "/v1/rlm/runs"]) {
    it(`is refused by POST ${path} past ${MAX_CONTEXT_DEPTH} levels, naming the field, and nothing starts`, async () => {
      const { apiKey, tenant } = await newTenant(handle, "depth");
      await handle.db.update(tenants).set({ plan: "enterprise" }).where(eq(tenants.id, tenant.id));
      const post = (depth: number, extra = "") =>
        call(path, {
          method: "POST",
          key: apiKey.secret,
          headers: { "content-type": "application/json" },
          body: `{"query":"q","models":{"planner":"solver"}${extra},"context":${nestedJson(depth)}}`,
        });
      for (const depth of [MAX_CONTEXT_DEPTH + 1, 100_000]) {
        const body = await expectJson<ErrorBody>(await post(depth), 400);
        expect(body.error.code).toBe("validation_failed");
        expect(body.error.details.issues).toEqual([
          { field: "json.context", message: `nested more than ${MAX_CONTEXT_DEPTH} levels deep` },
        ]);
      }
      // At the limit the context is fine: only the (deliberately) invalid field is named, so nothing runs.
      const atLimit = await expectJson<ErrorBody>(await post(MAX_CONTEXT_DEPTH, ',"maxIterations":0'), 400);
      expect(atLimit.error.details.issues.map((i) => i.field)).toEqual(["json.maxIterations"]);
      const tasks = await expectJson<{ tasks: unknown[] }>(await call("/v1/tasks", { key: apiKey.secret }), 200);
      expect(tasks.tasks).toEqual([]);
    });
  }
});
