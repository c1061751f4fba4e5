import { describe, expect, it } from "vitest";
import { TENANT_SLUG, TENANT_SLUG_PATTERN } from "./constants";

describe("tenant slug pattern", () => {
  it("compiles as browsers compile `pattern` (anchored, `v` flag) and agrees with the API's rule", () => {
    // What the HTML standard does with a pattern attribute: ^(?:pattern)$ with the v flag.
    const html = new RegExp(`^(?:${TENANT_SLUG_PATTERN})$`, "v");
    for (const slug of [
      "acme",
      "acme-labs",
      "a1",
      "0-x",
      "a".repeat(63),
      "a",
      "-acme",
      "Acme",
      "ac me",
      "a".repeat(64),
      "ac_me",
    ]) {
      expect({ slug, html: html.test(slug) }).toEqual({ slug, html: TENANT_SLUG.test(slug) });
    }
    // The unescaped form the form used to carry: Chromium drops a pattern that does not compile, checking nothing.
    const unescaped = TENANT_SLUG.source.slice(1, -1);
    expect(() => new RegExp(`^(?:${unescaped})$`, "v")).toThrow(SyntaxError);
  });
});
