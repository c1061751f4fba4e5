import { expect, it } from "vitest";
import { formatTable, median, percentile, ratio } from "./table";

it("computes nearest-rank percentiles and ratios", () => {
  expect(median([5, 1, 3])).toBe(3);
  expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)).toBe(10);
  expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
  expect(ratio(3, 2)).toBe("1.50x");
});

it("renders a Markdown table", () => {
  expect(formatTable(["a", "b"], [["x", 1.23456]])).toBe("| a | b |\n| --- | --- |\n| x | 1.235 |");
});
