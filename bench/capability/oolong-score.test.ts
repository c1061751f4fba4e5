import { describe, expect, it } from "vitest";
import { parseDate, parseMonth } from "./calendar";
import { generateOolong } from "./oolong";
import { OOLONG_TASKS } from "./oolong-questions";
import { parseOolongAnswer, scoreOolong } from "./oolong-score";

describe("parseOolongAnswer (official synth_attempt_answer_parse)", () => {
  it("takes the text after the last colon, trimmed, without * [ ]", () => {
    expect(parseOolongAnswer("Counting the lines.\nLabel: location")).toBe("location");
    expect(parseOolongAnswer("Answer: [42]")).toBe("42");
    expect(parseOolongAnswer("Note: done. User: **12345**")).toBe("12345");
  });

  it("keeps the official quirks", () => {
    // Trimmed before `*` is stripped, so bold around the key leaves a leading space.
    expect(parseOolongAnswer("**Label:** entity")).toBe(" entity");
    // Without a colon: a short answer is returned untrimmed; a long one by its last token.
    expect(parseOolongAnswer("entity\n")).toBe("entity\n");
    expect(parseOolongAnswer("After counting everything the total is 17")).toBe("17");
  });

  it("maps long answers containing a comparison phrase to that phrase", () => {
    expect(parseOolongAnswer("Answer: entity is more common than location")).toBe("more common");
    expect(parseOolongAnswer("Answer: entity is less common than location")).toBe("less common");
    expect(parseOolongAnswer("Answer: entity is the same frequency as location")).toBe("same frequency");
    // Short candidates are not mapped.
    expect(parseOolongAnswer("Answer: more common than")).toBe("more common than");
  });
});

describe("scoreOolong (official synth_process_response)", () => {
  it("scores exact labels and users 1, anything else 0 (no partial credit)", () => {
    expect(scoreOolong("Label: human being", "human being", "label")).toBe(1);
    expect(scoreOolong("Label: Human being", "human being", "label")).toBe(0);
    expect(scoreOolong("**Label:** entity", "entity", "label")).toBe(0);
    expect(scoreOolong("User: 12345", "12345", "user")).toBe(1);
    expect(scoreOolong("User: 12346", "12345", "user")).toBe(0);
  });

  it("scores comparison phrases by containment in the gold phrase", () => {
    expect(scoreOolong("Answer: entity is more common than location", "more common than", "comparison")).toBe(1);
    expect(scoreOolong("Answer: entity is less common than location", "more common than", "comparison")).toBe(0);
    expect(scoreOolong("Answer: more common than", "more common than", "comparison")).toBe(1);
    expect(scoreOolong("Answer: entity is the same frequency as location", "same frequency as", "comparison")).toBe(1);
    // The before/after wording of the timeline questions ("the same frequency") is matched the same way.
    expect(scoreOolong("Answer: abbreviation is the same frequency as before", "the same frequency", "label")).toBe(1);
    expect(scoreOolong("Answer: less common", "less common than", "comparison")).toBe(1);
  });

  it("gives numeric answers 0.75^|gold − answer| partial credit", () => {
    expect(scoreOolong("Answer: 42", "42", "numeric")).toBe(1);
    expect(scoreOolong("Answer: 40", "42", "numeric")).toBeCloseTo(0.5625, 10);
    expect(scoreOolong("Answer: 45", "42", "numeric")).toBeCloseTo(0.421875, 10);
    expect(scoreOolong("Answer: [41]", "42", "numeric")).toBe(0.75);
    expect(scoreOolong("I counted them all and the total comes to 43", "42", "numeric")).toBe(0.75);
    expect(scoreOolong("42\n", "42", "numeric")).toBe(1);
    expect(scoreOolong("Answer: about 40", "42", "numeric")).toBe(0);
    expect(scoreOolong("Answer: 42.0", "42", "numeric")).toBe(0);
  });

  it("compares dates as calendar dates", () => {
    expect(scoreOolong("Date: 01/06/2023", "2023-01-06", "date")).toBe(1);
    expect(scoreOolong("Date: [Jan 6, 2023]", "2023-01-06", "date")).toBe(1);
    expect(scoreOolong("Date: 6 January 2023", "2023-01-06", "date")).toBe(1);
    expect(scoreOolong("Date: 2023-01-06", "2023-01-06", "date")).toBe(1);
    expect(scoreOolong("Date: 01/07/2023", "2023-01-06", "date")).toBe(0);
    expect(scoreOolong("Date: January 2023", "2023-01-06", "date")).toBe(0);
  });

  it("compares month answers as months of a year", () => {
    expect(scoreOolong("Answer: March 2023", "March 2023", "month")).toBe(1);
    expect(scoreOolong("Answer: Mar 2023", "March 2023", "month")).toBe(1);
    expect(scoreOolong("Answer: 03/2023", "March 2023", "month")).toBe(1);
    expect(scoreOolong("Answer: March 2024", "March 2023", "month")).toBe(0);
  });

  it("normalised variant forgives case, markup spacing and a final period", () => {
    expect(scoreOolong("Label: Human Being.", "human being", "label", "normalised")).toBe(1);
    expect(scoreOolong("**Label:** entity", "entity", "label", "normalised")).toBe(1);
    expect(scoreOolong("Label: location", "entity", "label", "normalised")).toBe(0);
  });

  it("gives a well-formatted correct answer full credit on generated tasks", () => {
    for (const kind of Object.keys(OOLONG_TASKS) as Array<keyof typeof OOLONG_TASKS>) {
      for (let seed = 1; seed <= 6; seed++) {
        const task = generateOolong({ seed, lengthTokens: 2 ** 12, kind });
        const { answerType } = task.meta;
        const written =
          answerType === "date"
            ? `Date: ${task.expected.slice(5, 7)}/${task.expected.slice(8)}/${task.expected.slice(0, 4)}`
            : answerType === "comparison"
              ? `Answer: A is ${task.expected} B, after counting every line`
              : `${answerType === "label" ? "Label" : answerType === "user" ? "User" : "Answer"}: ${task.expected}`;
        expect(scoreOolong(written, task.expected, answerType)).toBe(1);
      }
    }
  });
});

describe("date readers", () => {
  it("reject impossible or partial dates", () => {
    expect(parseDate("02/30/2023")).toBeUndefined();
    expect(parseDate("January 6")).toBeUndefined();
    expect(parseDate("Sept 3, 2024")).toBe("2024-09-03");
    expect(parseMonth("13/2023")).toBeUndefined();
    expect(parseMonth("2023-11")).toBe("2023-11");
  });
});
