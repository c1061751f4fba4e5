import { expect, it } from "vitest";
import { readCheckedInOpenApi, renderOpenApiYaml } from "./openapi";

it("openapi.yaml matches the route schemas (run `npm run openapi` after changing a route)", async () => {
  expect(await readCheckedInOpenApi()).toBe(renderOpenApiYaml());
});

it("documents every route with its error responses", () => {
  const yaml = renderOpenApiYaml();
  for (const path of ["/health:", "/ready:", "/v1/api-keys:", "/v1/api-keys/{id}:", "/v1/auth/dev-login:", "/v1/me:"]) {
    expect(yaml).toContain(`  ${path}`);
  }
  expect(yaml).toContain("openapi: 3.1.0");
});
