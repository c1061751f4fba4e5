import { describe, expect, it } from "vitest";
import { ERROR_STATUS } from "../../../worker/errors";
import { nextStep } from "./guidance";

describe("error guidance", () => {
  it("gives every error code the API can send its own next step", () => {
    const generic = nextStep("no_such_code");
    const missing = Object.keys(ERROR_STATUS).filter((code) => nextStep(code) === generic);
    expect(missing).toEqual([]);
  });
});
