import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { chooseSandboxRoot } from "./sandbox-dirs";

let dir = "";
afterEach(() => rm(dir, { recursive: true, force: true }));

it.runIf(process.getuid?.() === 0)(
  "moves sandboxes out of a private checkout, stably, and keeps a reachable one",
  async () => {
    dir = await mkdtemp(join(tmpdir(), "private-checkout-"));
    await chmod(dir, 0o700);
    const preferred = join(dir, ".data", "sandboxes");
    const first = await chooseSandboxRoot(preferred);
    expect(first.fallback).toBe(true);
    expect(first.root.startsWith(tmpdir())).toBe(true);
    expect((await chooseSandboxRoot(preferred)).root).toBe(first.root);
    await chmod(dir, 0o755);
    expect(await chooseSandboxRoot(preferred)).toEqual({ root: preferred, fallback: false });
  },
);
