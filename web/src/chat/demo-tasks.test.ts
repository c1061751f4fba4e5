import { describe, expect, it } from "vitest";
import { demoTasks } from "./demo-tasks";

describe("demo tasks", () => {
  it("hide the expected needle once, among distractors, and count what the question asks", () => {
    const [needle, counting] = demoTasks();
    expect(needle?.text.length).toBeGreaterThan(290_000);
    const found = needle?.text.match(/special magic numbers for gentle-comet is: (\d+)\./g) ?? [];
    expect(found).toEqual([`special magic numbers for gentle-comet is: ${needle?.expected}.`]);
    const lines = counting?.text.split("\n").filter((l) => l.includes(" || ")) ?? [];
    expect(lines).toHaveLength(1_600);
    const where = lines.filter((l) => /Instance: (Where|What country has)/.test(l)).length;
    expect(counting?.expected).toBe(String(where));
  });

  it("are the same on every call", () => {
    expect(demoTasks().map((t) => t.expected)).toEqual(demoTasks().map((t) => t.expected));
  });
});
