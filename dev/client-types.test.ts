import { expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { readCheckedInClientTypes, renderClientTypes } from "./client-types";
import { renderOpenApiYaml } from "./openapi";

it("client/src/schema.d.ts matches the routes (run `npm run openapi` after changing a route)", async () => {
  expect(await readCheckedInClientTypes()).toBe(await renderClientTypes(renderOpenApiYaml()));
});

it("names every operation by its operationId, so the check sees a changed route", async () => {
  const document = parse(renderOpenApiYaml()) as { paths: Record<string, Record<string, { operationId: string }>> };
  const types = await renderClientTypes(stringify(document));
  for (const item of Object.values(document.paths)) {
    for (const op of Object.values(item)) expect(types).toContain(`    ${op.operationId}: {`);
  }
  delete document.paths["/v1/tasks/{id}/cancel"];
  expect(await renderClientTypes(stringify(document))).not.toBe(types);
});
