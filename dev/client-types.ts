/**
 * Renders the typed client's types (`client/src/schema.d.ts`) from `openapi.yaml` with `openapi-typescript`.
 * `npm run client:types` rewrites the file (after `npm run openapi`); a test fails when the checked-in file differs
 * from what the checked-in API description generates, so a route change cannot leave the client behind.
 */
import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript";
import { OPENAPI_PATH } from "./openapi";

export const CLIENT_TYPES_PATH = resolve(import.meta.dirname, "..", "client", "src", "schema.d.ts");

/** The client's types for the given API description (YAML or JSON text). */
export async function renderClientTypes(openapiYaml: string): Promise<string> {
  // A field with a default is optional to send: openapi-typescript would otherwise type it as required.
  const ast = await openapiTS(openapiYaml, { defaultNonNullable: false });
  return `${COMMENT_HEADER.replace("openapi-typescript", "openapi-typescript from openapi.yaml (`npm run client:types`)")}${astToString(ast)}`;
}

/** The checked-in types. */
export function readCheckedInClientTypes(): Promise<string> {
  return readFile(CLIENT_TYPES_PATH, "utf8");
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await writeFile(CLIENT_TYPES_PATH, await renderClientTypes(await readFile(OPENAPI_PATH, "utf8")));
  console.log(`wrote ${CLIENT_TYPES_PATH}`);
}
