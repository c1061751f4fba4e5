/** The API reference page and the served OpenAPI documents. */
import { describe, expect, it } from "vitest";
import { call } from "./harness";

describe("API reference", () => {
  it("serves /docs rendered from the live OpenAPI document, with every operation and schema", async () => {
    const json = (await (await call("/openapi.json")).json()) as { paths: Record<string, Record<string, unknown>> };
    const res = await call("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    for (const [path, methods] of Object.entries(json.paths)) {
      for (const method of Object.keys(methods)) {
        expect(html, `${method} ${path}`).toContain(
          `${method.toUpperCase()}</span> <code>${path.replaceAll("&", "&#38;")}</code>`,
        );
      }
    }
    expect(html).toContain('id="schema-CreateTaskRequest"');
    expect(html).not.toContain("<script");
  });

  it("serves the checked-in openapi.yaml with the same paths as the generated document", async () => {
    const res = await call("/openapi.yaml");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("yaml");
    const yaml = await res.text();
    expect(yaml).toContain("openapi: 3.1.0");
    const json = (await (await call("/openapi.json")).json()) as { paths: Record<string, unknown> };
    for (const path of Object.keys(json.paths)) expect(yaml, path).toContain(`${path}:`);
  });
});
