/** The vars file handed to `wrangler dev`: private, and spelled so that dotenv and dotenv-expand return each value. */
import { readFile, rm, stat } from "node:fs/promises";
import { expect, it } from "vitest";
import { formatEnvFile, writeVarsFile } from "./worker-vars-file";

it("quotes each value and escapes $, using backquotes for a value with a single quote", () => {
  expect(formatEnvFile({ A: "postgres://u:p@h:1/d?x=1#f", B: "a$HOME'b", C: "" })).toBe(
    "A='postgres://u:p@h:1/d?x=1#f'\nB=`a\\$HOME'b`\nC=''\n",
  );
});

it("refuses what it cannot spell instead of passing a changed value", () => {
  expect(() => formatEnvFile({ A: "two\nlines" })).toThrow(/A: its value cannot be passed/);
  expect(() => formatEnvFile({ A: "'`" })).toThrow(/A:/);
  expect(() => formatEnvFile({ A: "ends\\" })).toThrow(/A:/);
  expect(() => formatEnvFile({ "A B": "x" })).toThrow(/not a valid binding name/);
});

it("writes the file readable by its owner only, in a directory of its own", async () => {
  const file = await writeVarsFile({ SESSION_SECRET: "s3cret" });
  try {
    expect((await stat(file.path)).mode & 0o777).toBe(0o600);
    expect((await stat(file.dir)).mode & 0o777).toBe(0o700);
    expect(await readFile(file.path, "utf8")).toBe("SESSION_SECRET='s3cret'\n");
  } finally {
    await rm(file.dir, { recursive: true, force: true });
  }
});
