/** The code's table of Worker settings and the README's configuration table name the same variables. */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { expect, it } from "vitest";
import { settingsFromEnv, WORKER_SETTINGS } from "./worker-settings";

const ROOT = resolve(import.meta.dirname, "..");

/** The backquoted names in the first column of the README's "Configuration" table, minus `npm run dev`'s own. */
function readmeSettings(): string[] {
  const readme = readFileSync(resolve(ROOT, "README.md"), "utf8");
  const section = readme.slice(
    readme.indexOf("\n## Configuration"),
    readme.indexOf("\n## ", readme.indexOf("\n## Configuration") + 1),
  );
  const names: string[] = [];
  for (const row of section.split("\n").filter((line) => line.startsWith("| `"))) {
    const [, first = "", , , meaning = ""] = row.split("|");
    if (meaning.includes("`npm run dev` only")) continue;
    names.push(...[...first.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1] as string));
  }
  return names;
}

it("lists every setting the README documents, and no other", () => {
  expect(WORKER_SETTINGS.map((s) => s.name).sort()).toEqual(readmeSettings().sort());
});

it("names in wrangler.toml's [vars] only settings of the table", () => {
  const toml = readFileSync(resolve(ROOT, "wrangler.toml"), "utf8");
  const vars = /^\[vars\]\n((?:(?!\[).*\n)*)/m.exec(toml)?.[1] ?? "";
  const names = [...vars.matchAll(/^([A-Z0-9_]+)\s*=/gm)].map((m) => m[1]);
  expect(names.filter((name) => !WORKER_SETTINGS.some((s) => s.name === name))).toEqual([]);
});

it("forwards set settings the stack does not own, and skips empty ones", () => {
  expect(
    settingsFromEnv({
      MAX_BODY_BYTES: "10",
      LLM_RELAY: "",
      ENVIRONMENT: "production",
      DATABASE_URL: "postgres://x",
      PATH: "/bin",
    }),
  ).toEqual({ MAX_BODY_BYTES: "10" });
});
