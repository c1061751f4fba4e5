import { createRoute, z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createApp, OPENAPI_INFO } from "../worker/app";
import { readCheckedInOpenApi } from "./openapi";
import { operationFindings, redoclyFindings } from "./openapi-lint";

describe("the API description", () => {
  it("passes Redocly's recommended ruleset (ignores justified in .redocly.lint-ignore.yaml)", async () => {
    expect(await redoclyFindings()).toEqual([]);
  });

  it("Redocly reports an operation without a summary or security", async () => {
    const document = parse(await readCheckedInOpenApi());
    delete document.paths["/v1/tasks"].get.summary;
    delete document.paths["/v1/tasks"].get.security;
    const rules = (await redoclyFindings(JSON.stringify(document))).map((f) => `${f.severity} ${f.rule}`);
    expect(rules).toEqual(expect.arrayContaining(["error operation-summary", "error security-defined"]));
  });

  it("gives every operation a unique verbNoun operationId, a summary and explicit security", async () => {
    expect(operationFindings(parse(await readCheckedInOpenApi()))).toEqual([]);
  });

  it("fails a route added without an operationId, summary or security", () => {
    const app = createApp().openapi(
      createRoute({
        method: "get",
        path: "/v1/new-thing",
        responses: { 200: { description: "ok", content: { "application/json": { schema: z.object({}) } } } },
      }),
      (c) => c.json({}, 200),
    );
    expect(operationFindings(app.getOpenAPI31Document(OPENAPI_INFO) as never)).toEqual([
      "GET /v1/new-thing: no operationId",
      "GET /v1/new-thing: no summary",
      "GET /v1/new-thing: no security (public routes say `security: []`)",
    ]);
  });

  it("refuses ids that are not verbNoun, duplicated, or name an undefined scheme", () => {
    const op = (operationId: string, security: unknown = []) => ({ get: { operationId, summary: "s", security } });
    const findings = operationFindings({
      paths: { "/a": op("tasksList"), "/b": op("listTasks"), "/c": op("listTasks"), "/d": op("getD", [{ key: [] }]) },
      components: { securitySchemes: {} },
    });
    expect(findings).toEqual([
      'GET /a: operationId "tasksList" is not camelCase verbNoun (verbs: OPERATION_VERBS in dev/openapi-lint.ts)',
      `GET /c: operationId "listTasks" is also GET /b's`,
      'GET /d: security names undefined scheme "key"',
    ]);
  });
});
