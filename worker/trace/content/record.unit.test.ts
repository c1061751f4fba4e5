import { describe, expect, it } from "vitest";
import { CALL_CAP_CHARS, callContent } from "./record";

describe("callContent", () => {
  it("keeps roles and texts whole under the cap", () => {
    const content = callContent(
      {
        messages: [
          { role: "system", content: "be brief" },
          { role: "user", content: "hi" },
        ],
        reply: { content: "ok" },
      },
      true,
    );
    expect(content).toEqual({
      v: 1,
      captured: true,
      messages: [
        { role: "system", text: "be brief", chars: 8, truncated: false },
        { role: "user", text: "hi", chars: 2, truncated: false },
      ],
      reply: { text: "ok", chars: 2, truncated: false },
    });
  });

  it("caps one call's texts at the cap with their true lengths, the reply and the newest message first", () => {
    const big = "x".repeat(CALL_CAP_CHARS);
    const content = callContent(
      {
        messages: [
          { role: "system", content: big },
          { role: "user", content: big },
        ],
        reply: { content: big },
      },
      true,
    );
    const stored = content.messages.reduce((n, m) => n + (m.text?.length ?? 0), content.reply?.text?.length ?? 0);
    expect(stored).toBe(CALL_CAP_CHARS);
    expect(content.reply).toMatchObject({ chars: CALL_CAP_CHARS, truncated: true });
    expect(content.reply?.text?.length).toBe(CALL_CAP_CHARS / 2);
    expect(content.messages[1]).toMatchObject({ chars: CALL_CAP_CHARS, truncated: true });
    expect(content.messages[1]?.text?.length).toBe(CALL_CAP_CHARS / 2);
    expect(content.messages[0]).toMatchObject({ text: "", chars: CALL_CAP_CHARS, truncated: true });
  });

  it("keeps only sizes with capture off, and no reply for a failed call", () => {
    const content = callContent({ messages: [{ role: "user", content: "secret prompt" }] }, false);
    expect(content).toEqual({
      v: 1,
      captured: false,
      messages: [{ role: "user", chars: 13, truncated: false }],
      reply: null,
    });
  });
});
