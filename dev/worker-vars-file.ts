/**
 * The Worker's bindings for `wrangler dev` in a file rather than on its command line, where `--var NAME:value` is
 * readable by every local user (`/proc/<pid>/cmdline`). The file is mode 0600 inside a fresh mode-0700 directory and
 * is given to wrangler as `--env-file`; wrangler 4 reads it with dotenv and then dotenv-expand, so each value is
 * quoted and each `$` escaped to arrive verbatim.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A written vars file; removing `dir` removes it. */
export interface VarsFile {
  dir: string;
  path: string;
}

/**
 * One `NAME='value'` line per binding. dotenv keeps single- and backquoted values literally (double quotes would
 * turn `\n` into a newline), and dotenv-expand replaces `$NAME` unless written `\$`, removing that backslash.
 * Throws for what has no faithful spelling: a line break, both quote characters, or a trailing backslash (which
 * dotenv's pattern reads as escaping the closing quote).
 */
export function formatEnvFile(vars: Record<string, string>): string {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(vars)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`${name} is not a valid binding name`);
    const quote = ["'", "`"].find((q) => !value.includes(q));
    if (quote === undefined || /[\r\n]/.test(value) || value.endsWith("\\")) {
      throw new Error(`${name}: its value cannot be passed to wrangler dev (line break, both ' and \`, or a final \\)`);
    }
    lines.push(`${name}=${quote}${value.replaceAll("$", "\\$")}${quote}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Writes `vars` to a new private file; the caller removes {@link VarsFile.dir} when wrangler has stopped. */
export async function writeVarsFile(vars: Record<string, string>): Promise<VarsFile> {
  const dir = await mkdtemp(join(tmpdir(), "fleet-rlm-vars-"));
  const path = join(dir, "worker.env");
  await writeFile(path, formatEnvFile(vars), { mode: 0o600, flag: "wx" });
  return { dir, path };
}
