/**
 * Renders `openapi.yaml` from the route schemas. `npm run openapi` rewrites the file; a test fails when the checked-in
 * file differs from what the code would generate.
 */
import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { stringify } from "yaml";
import { createApp, OPENAPI_INFO } from "../worker/app";

export const OPENAPI_PATH = resolve(import.meta.dirname, "..", "openapi.yaml");

const HEADER = "# Generated from the zod route schemas by `npm run openapi`. Do not edit by hand.\n";

/** The OpenAPI 3.1 document of the current code, as YAML. */
export function renderOpenApiYaml(): string {
  const document = createApp().getOpenAPI31Document(OPENAPI_INFO);
  return HEADER + stringify(document, { aliasDuplicateObjects: false, lineWidth: 0 });
}

/** The checked-in document. */
export function readCheckedInOpenApi(): Promise<string> {
  return readFile(OPENAPI_PATH, "utf8");
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await writeFile(OPENAPI_PATH, renderOpenApiYaml());
  console.log(`wrote ${OPENAPI_PATH}`);
}
