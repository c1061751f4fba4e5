import { describe, expect, it } from "vitest";
import { formatSniahPrompt, generateSniah, scoreSniah } from "./sniah";

const K8 = 2 ** 13;

describe("generateSniah", () => {
  it("is a pure function of its options", () => {
    const a = generateSniah({ seed: 11, lengthTokens: K8, depth: 0.4 });
    expect(generateSniah({ seed: 11, lengthTokens: K8, depth: 0.4 })).toEqual(a);
    const b = generateSniah({ seed: 12, lengthTokens: K8, depth: 0.4 });
    expect(b.context).not.toBe(a.context);
    expect(b.expected).not.toBe(a.expected);
  });

  it.each([0, 0.1, 0.25, 0.5, 0.77, 1])("places the needle at depth %s (±1 %)", (depth) => {
    for (const lengthTokens of [K8, 2 ** 16]) {
      const task = generateSniah({ seed: 3, lengthTokens, depth });
      const offset = task.context.indexOf(task.meta.needleSentence);
      const measured = offset / (task.context.length - task.meta.needleSentence.length);
      expect(Math.abs(measured - depth)).toBeLessThanOrEqual(0.01);
      expect(task.meta.needleOffset).toBe(offset);
    }
  });

  it.each([2 ** 13, 2 ** 15, 2 ** 18, 2 ** 20])(
    "hits %s approximate tokens (chars / 4) within ±2 %",
    (lengthTokens) => {
      const task = generateSniah({ seed: 5, lengthTokens, depth: 0.5 });
      expect(Math.abs(task.context.length / 4 - lengthTokens) / lengthTokens).toBeLessThanOrEqual(0.02);
      expect(task.meta.approxTokens).toBe(task.context.length / 4);
    },
  );

  it("hides exactly one needle whose value is the expected answer", () => {
    const task = generateSniah({ seed: 8, lengthTokens: K8, depth: 0.3 });
    expect(task.expected).toMatch(/^\d{7}$/);
    expect(task.context.split(task.meta.needleSentence)).toHaveLength(2);
    expect(task.meta.needleSentence).toBe(
      `One of the special magic numbers for ${task.meta.key} is: ${task.expected}.`,
    );
    const filler = task.context.replace(task.meta.needleSentence, "");
    // The filler carries no digits and no hyphenated key, so nothing else can answer the query.
    expect(filler).not.toMatch(/\d/);
    expect(filler).not.toContain(task.meta.key);
    expect(task.query).toContain(task.meta.key);
  });

  it("supports UUID needles, drawn from the same sentence stream as number needles", () => {
    const num = generateSniah({ seed: 4, lengthTokens: K8, depth: 1 });
    const uuid = generateSniah({ seed: 4, lengthTokens: K8, depth: 1, needle: "uuid" });
    expect(uuid.expected).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuid.query).toContain("special magic uuids");
    // The longer UUID needle leaves room for a little less filler; the filler itself is the same text.
    const numFiller = num.context.slice(0, num.meta.needleOffset);
    const uuidFiller = uuid.context.slice(0, uuid.meta.needleOffset);
    expect(numFiller.startsWith(uuidFiller) || uuidFiller.startsWith(numFiller)).toBe(true);
  });

  it("rejects lengths and depths outside the benchmark's range", () => {
    expect(() => generateSniah({ seed: 1, lengthTokens: 4096, depth: 0.5 })).toThrow(RangeError);
    expect(() => generateSniah({ seed: 1, lengthTokens: 2 ** 21, depth: 0.5 })).toThrow(RangeError);
    expect(() => generateSniah({ seed: 1, lengthTokens: K8, depth: 1.2 })).toThrow(RangeError);
  });

  it("formats a single prompt for base-model baselines", () => {
    const task = generateSniah({ seed: 2, lengthTokens: K8, depth: 0.5 });
    const prompt = formatSniahPrompt(task);
    expect(prompt).toContain(task.context);
    expect(prompt.endsWith(task.query)).toBe(true);
  });
});

describe("scoreSniah (RULER string_match_all)", () => {
  it("scores 1 when the value occurs anywhere in the answer, 0 otherwise", () => {
    expect(scoreSniah("The special magic number for fancy-badger is 6151907.", "6151907")).toBe(1);
    expect(scoreSniah("FINAL(6151907)", "6151907")).toBe(1);
    expect(scoreSniah("6151908", "6151907")).toBe(0);
    expect(scoreSniah("", "6151907")).toBe(0);
  });

  it("matches case-insensitively", () => {
    expect(scoreSniah("UUID: 1B0C9E2A-AAAA-4BBB-8CCC-0123456789AB", "1b0c9e2a-aaaa-4bbb-8ccc-0123456789ab")).toBe(1);
  });

  it("gives the fraction of values found when there are several", () => {
    expect(scoreSniah("1111111 and 2222222", ["1111111", "2222222", "3333333", "4444444"])).toBe(0.5);
    expect(scoreSniah("anything", [])).toBe(0);
  });
});
