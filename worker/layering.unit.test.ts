/**
 * The layering the design promises, checked on the import specifiers themselves: the database layer never reaches
 * up into routes, and the pure RLM engine never reaches the Durable Objects (or the run wiring, or routes) that host
 * it. Tests are exempt: an engine test may wire real adapters around the engine it tests.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";

interface Rule {
  from: string;
  forbidden: string[];
}

const RULES: Rule[] = [
  { from: "worker/db", forbidden: ["worker/routes", "worker/runs", "worker/durable"] },
  { from: "worker/rlm", forbidden: ["worker/durable", "worker/runs", "worker/routes", "worker/db"] },
];

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^"']*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** The relative import specifiers of a source text (package imports cannot cross our folders). */
function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2];
    if (spec?.startsWith(".")) found.push(spec);
  }
  return found;
}

/** Every import in `files` (repo-relative path → source) that one of `rules` forbids. */
function crossings(files: Map<string, string>, rules: Rule[]): string[] {
  const out: string[] = [];
  for (const [path, source] of files) {
    if (path.endsWith(".test.ts")) continue;
    for (const rule of rules) {
      if (!path.startsWith(`${rule.from}/`)) continue;
      for (const spec of specifiers(source)) {
        const target = normalize(join(dirname(path), spec)).replaceAll("\\", "/");
        const bad = rule.forbidden.find((f) => target === f || target.startsWith(`${f}/`));
        if (bad) out.push(`${path} imports ${spec} (${rule.from} must not import ${bad})`);
      }
    }
  }
  return out;
}

function sources(root: string, dir: string, into: Map<string, string>): Map<string, string> {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) sources(root, path, into);
    else if (entry.name.endsWith(".ts")) into.set(path, readFileSync(join(root, path), "utf8"));
  }
  return into;
}

const ROOT = normalize(join(dirname(new URL(import.meta.url).pathname), ".."));

describe("layering", () => {
  it("holds in the worker's source", () => {
    const files = sources(ROOT, "worker", new Map());
    expect(files.size).toBeGreaterThan(100);
    expect(crossings(files, RULES)).toEqual([]);
  });

  it("catches the crossings it guards against", () => {
    const files = new Map([
      ["worker/db/middleware.ts", 'import type { AppEnv } from "../routes/app-env";\nimport { x } from "./client";'],
      ["worker/rlm/budget-port.ts", 'import type { BudgetDO } from "../durable/budget-do";'],
      ["worker/rlm/lazy.ts", 'const m = await import("../durable/task-do");'],
      ["worker/rlm/engine.test.ts", 'import { budgetPort } from "../runs";'],
      ["worker/runs/budget-port.ts", 'import type { BudgetDO } from "../durable/budget-do";'],
    ]);
    expect(crossings(files, RULES)).toEqual([
      "worker/db/middleware.ts imports ../routes/app-env (worker/db must not import worker/routes)",
      "worker/rlm/budget-port.ts imports ../durable/budget-do (worker/rlm must not import worker/durable)",
      "worker/rlm/lazy.ts imports ../durable/task-do (worker/rlm must not import worker/durable)",
    ]);
  });
});
