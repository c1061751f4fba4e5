import { describe, expect, it } from "vitest";
import { ERROR_STATUS } from "../../../worker/errors";
import { describeIssues, fieldLabel, headline, nextStep } from "./guidance";

describe("error guidance", () => {
  it("gives every error code the API can send its own next step", () => {
    const generic = nextStep("no_such_code");
    const missing = Object.keys(ERROR_STATUS).filter((code) => nextStep(code) === generic);
    expect(missing).toEqual([]);
  });
});

describe("plain words", () => {
  it("names fields by their labels and never shows a pattern or a field path", () => {
    expect(fieldLabel("json.tenant")).toBe("Workspace");
    expect(fieldLabel("json.egressHosts.2")).toBe("Allowed hosts (line 3)");
    expect(fieldLabel("json.someNewField")).toBe("Some New Field");
    const text = describeIssues([
      { field: "json.tenant", message: "Invalid string: must match pattern /^[a-z0-9][a-z0-9-]{1,62}$/" },
      { field: "json.email", message: "Invalid email address" },
    ]);
    expect(text).toBe("Workspace: is not in the form expected here; Email: Invalid email address");
    expect(headline("validation_failed", "Invalid json.tenant, json.email", true)).not.toContain("json.");
    expect(headline("not_found", "Session not found", false)).toBe("Session not found");
  });
});
