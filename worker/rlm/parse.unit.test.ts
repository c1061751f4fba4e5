import { describe, expect, it } from "vitest";
import { extractReplBlocks, findFinal, unwrapForcedAnswer } from "./parse";

describe("extractReplBlocks", () => {
  it("runs every repl block of a turn, in order", () => {
    const text = "Plan.\n```repl\na = 1\n```\nthen\n```repl\nprint(a + 1)\n```\n";
    expect(extractReplBlocks(text)).toEqual(["a = 1", "print(a + 1)"]);
  });

  it("does not execute python-tagged or untagged fences", () => {
    const text = "```python\nimport os\n```\n```\nrm -rf /\n```\n```repl\nok = True\n```";
    expect(extractReplBlocks(text)).toEqual(["ok = True"]);
  });

  it("returns nothing when there is no block", () => {
    expect(extractReplBlocks("I will now look at the context.")).toEqual([]);
  });

  it("needs the closing fence on its own line", () => {
    expect(extractReplBlocks("```repl\nx = '```'\n```")).toEqual(["x = '```'"]);
    expect(extractReplBlocks("```repl\nnever closed")).toEqual([]);
  });

  it("keeps indentation inside a block", () => {
    expect(extractReplBlocks("```repl\nfor i in range(2):\n    print(i)\n```")).toEqual([
      "for i in range(2):\n    print(i)",
    ]);
  });
});

describe("findFinal", () => {
  it("takes FINAL with nested parentheses greedily", () => {
    expect(findFinal("Done.\nFINAL(f(x) = (a + b) * (c))")).toEqual({ kind: "final", answer: "f(x) = (a + b) * (c)" });
  });

  it("never takes FINAL from inside a repl fence", () => {
    const text = "```repl\nresult = compute()\nFINAL(result)\n```";
    expect(findFinal(text)).toBeNull();
  });

  it("never takes FINAL_VAR from inside any fence", () => {
    expect(findFinal("```python\nFINAL_VAR(answer)\n```")).toBeNull();
  });

  it("ignores FINAL_VAR mentioned mid-sentence", () => {
    expect(findFinal("Next step I will call FINAL_VAR(answer) once it is ready.")).toBeNull();
    expect(findFinal("When done, FINAL(x) will be returned.")).toBeNull();
  });

  it("finds FINAL_VAR on its own line, quoted or not, and prefers it over FINAL", () => {
    expect(findFinal("ok\nFINAL_VAR(final_answer)")).toEqual({ kind: "final_var", name: "final_answer" });
    expect(findFinal("  FINAL_VAR('total')")).toEqual({ kind: "final_var", name: "total" });
    expect(findFinal("FINAL(42)\nFINAL_VAR(x)")).toEqual({ kind: "final_var", name: "x" });
  });

  it("finds FINAL after a fenced block in the same response", () => {
    const text = "```repl\nprint(1)\n```\nFINAL(The answer is 7316429.)";
    expect(findFinal(text)).toEqual({ kind: "final", answer: "The answer is 7316429." });
  });

  it("accepts a multi-line FINAL", () => {
    expect(findFinal("FINAL(line one\nline two)")).toEqual({ kind: "final", answer: "line one\nline two" });
  });

  it("returns null without a declaration", () => {
    expect(findFinal("Let me check the context first.")).toBeNull();
  });
});

describe("unwrapForcedAnswer", () => {
  it("unwraps FINAL and keeps plain text", () => {
    expect(unwrapForcedAnswer("FINAL(12)")).toBe("12");
    expect(unwrapForcedAnswer(" twelve \n")).toBe("twelve");
  });
});
