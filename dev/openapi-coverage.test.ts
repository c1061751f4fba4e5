/**
 * Every path of `openapi.yaml` is exercised by at least one test: a route added without a test fails here. (Which
 * cases each test covers — success, invalid input, other tenants — is the route suites' job; this only catches a
 * route nobody calls.)
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const ROOT = resolve(import.meta.dirname, "..");

function testSources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules" || entry.startsWith(".")) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...testSources(path));
    else if (/\.test\.tsx?$/.test(entry) || path.includes(`${join("test", "browser")}`))
      out.push(readFileSync(path, "utf8"));
  }
  return out;
}

describe("OpenAPI coverage", () => {
  it("calls every documented path from some test", () => {
    const document = parse(readFileSync(join(ROOT, "openapi.yaml"), "utf8")) as { paths: Record<string, unknown> };
    const sources = ["worker", "test", "web"].flatMap((dir) => testSources(join(ROOT, dir))).join("\n");
    const untested = Object.keys(document.paths).filter((path) => {
      const pattern = path
        .split(/\{[^}]+\}/)
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join("(?:\\$\\{[^}]+\\}|[^/\"'`?]+)");
      return !new RegExp(`${pattern}(?![\\w/-])`).test(sources);
    });
    expect(untested).toEqual([]);
  });
});
