/** `GET /v1/documents/{id}/search`: matching lines with context; bad patterns and other tenants' ids refused. */
import { describe, expect, it } from "vitest";
import { call, expectJson, newTenant, useTestDb } from "./harness";

const handle = useTestDb();

describe("document search", () => {
  it("returns matching lines with context, and refuses bad input and other tenants' ids", async () => {
    const { apiKey } = await newTenant(handle, "search");
    const key = apiKey.secret;
    const text = ["alpha", "beta Magic 7", "gamma", "delta", "magic 9"].join("\n");
    const doc = await expectJson<{ id: string }>(
      await call("/v1/documents?name=s.txt", { method: "POST", key, body: text }),
      201,
    );
    const found = await expectJson<{
      matches: Array<{ line: number; before: string[]; after: string[] }>;
      truncated: boolean;
    }>(await call(`/v1/documents/${doc.id}/search?pattern=magic&context=1`, { key }), 200);
    expect(found.matches.map((m) => m.line)).toEqual([2, 5]);
    expect(found.matches[0]).toMatchObject({ before: ["alpha"], after: ["gamma"] });
    const exact = await expectJson<{ matches: unknown[]; truncated: boolean }>(
      await call(`/v1/documents/${doc.id}/search?pattern=magic&ignoreCase=false&maxMatches=1`, { key }),
      200,
    );
    expect(exact).toMatchObject({ matches: [{ line: 5 }], truncated: false });

    const bad = await expectJson<{ error: { details: { issues: Array<{ field: string }> } } }>(
      await call(`/v1/documents/${doc.id}/search?pattern=${encodeURIComponent("(")}`, { key }),
      400,
    );
    expect(bad.error.details.issues[0]?.field).toBe("query.pattern");
    const tooWide = await expectJson<{ error: { details: { issues: Array<{ field: string }> } } }>(
      await call(`/v1/documents/${doc.id}/search?pattern=a&context=9`, { key }),
      400,
    );
    expect(tooWide.error.details.issues[0]?.field).toBe("query.context");

    const other = await newTenant(handle, "search-other");
    const res = await call(`/v1/documents/${doc.id}/search?pattern=magic`, { key: other.apiKey.secret });
    expect(res.status).toBe(404);
  });
});
