import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runBaseline } from "./baseline";
import { type CapabilityRun, runCapability } from "./harness";
import type { CapabilityResults } from "./results";
import { formatLength, parseLength } from "./suite";

describe("capability harness helpers", () => {
  it("reads and prints lengths in binary units", () => {
    expect(["8k", "128K", "1m", "8192"].map(parseLength)).toEqual([8192, 131_072, 1_048_576, 8192]);
    expect([8192, 131_072, 1_048_576, 1000].map(formatLength)).toEqual(["8K", "128K", "1M", "1000"]);
    expect(() => parseLength("eight")).toThrow(RangeError);
  });

  it("skips a baseline prompt over the window without calling the endpoint", async () => {
    const outcome = await runBaseline({ baseUrl: "http://127.0.0.1:9/v1", model: "m" }, "x".repeat(400), {
      maxTokens: 99,
      timeoutMs: 1_000,
    });
    expect(outcome).toEqual({ status: "skipped", reason: "exceeds window", promptTokens: 100 });
  });
});

describe("capability harness end to end (scripted solver, real local stack)", () => {
  let dir = "";
  let run: CapabilityRun;

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("runs S-NIAH and OOLONG at 8K through the API and the baseline, and writes JSON, Markdown and SVG", async () => {
    dir = await mkdtemp(join(tmpdir(), "capability-test-"));
    run = await runCapability({
      kinds: ["sniah", "oolong"],
      lengths: [8192],
      samples: 1,
      seed: 1,
      baselineMaxTokens: 272_000,
      outDir: dir,
      quiet: true,
    });
    expect(run.files).not.toBeNull();

    const json = JSON.parse(await readFile(join(dir, "capability.json"), "utf8")) as CapabilityResults;
    expect(json.model).toEqual({ kind: "scripted", planner: "solver", delegate: "solver" });
    expect(json.caveat).toMatch(/plumbing/);
    expect(json.cases.map((c) => [c.kind, c.lengthTokens, c.rlm.status, c.baseline.status])).toEqual([
      ["sniah", 8192, "completed", "completed"],
      ["oolong", 8192, "completed", "completed"],
    ]);
    const [sniah, oolong] = json.summary;
    // The solver finds needles both ways; its OOLONG score depends on its keyword classifier, so only the range is
    // fixed here.
    expect(sniah?.rlm.score).toBe(1);
    expect(sniah?.baseline.score).toBe(1);
    expect(oolong?.rlm.score).toBeGreaterThanOrEqual(0);
    expect(oolong?.rlm.score).toBeLessThanOrEqual(1);
    for (const row of json.summary) {
      expect(row.rlm.tokens).toBeGreaterThan(0);
      expect(row.rlm.wallMs).toBeGreaterThan(0);
      expect(row.baseline.tokens).toBeGreaterThan(0);
    }

    const markdown = await readFile(join(dir, "capability.md"), "utf8");
    expect(markdown).toContain("**Not a model score.**");
    expect(markdown).toMatch(/^\| task \| length \| n \| RLM score \|/m);
    expect(markdown).toMatch(/^\| S-NIAH \| 8K \| 1 \| 100\.0 % \|/m);
    expect(markdown).toMatch(/^\| OOLONG \(counting\) \| 8K \| 1 \|/m);

    const svg = await readFile(join(dir, "capability.svg"), "utf8");
    expect(svg.startsWith("<svg ")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    // Two kinds × (RLM, baseline) at one length: four points, and the 8K tick on the axis.
    expect(svg.match(/<circle /g)).toHaveLength(4);
    expect(svg).toContain(">8K</text>");
  }, 90_000);
});
