/**
 * A highlighted code block. Tokens become React spans (never HTML strings), so model output cannot inject markup.
 * Only the languages an RLM trace and an agent answer usually hold are bundled; others show as plain text.
 */
import bash from "@speed-highlight/core/languages/bash.js";
import js from "@speed-highlight/core/languages/js.js";
import json from "@speed-highlight/core/languages/json.js";
import py from "@speed-highlight/core/languages/py.js";
import ts from "@speed-highlight/core/languages/ts.js";
import { tokenizeWith } from "@speed-highlight/core/tokenize";
import { type ReactNode, useMemo } from "react";

const LANGUAGES = { py, js, ts, json, bash };
const ALIASES: Record<string, keyof typeof LANGUAGES> = {
  python: "py",
  py: "py",
  repl: "py",
  javascript: "js",
  js: "js",
  typescript: "ts",
  ts: "ts",
  json: "json",
  bash: "bash",
  sh: "bash",
  shell: "bash",
};

/** Code longer than this is shown unhighlighted: tokenizing megabytes of output would freeze the tab. */
const MAX_HIGHLIGHT_CHARS = 50_000;

function highlight(code: string, lang: string | undefined): ReactNode[] {
  const key = lang ? ALIASES[lang.toLowerCase()] : undefined;
  if (!key || code.length > MAX_HIGHLIGHT_CHARS) return [code];
  const parts: ReactNode[] = [];
  tokenizeWith(
    code,
    LANGUAGES[key],
    (text, type) => {
      if (!text) return;
      parts.push(
        type ? (
          <span key={parts.length} className={`tok-${type}`}>
            {text}
          </span>
        ) : (
          text
        ),
      );
    },
    { languages: { ...LANGUAGES } },
  );
  return parts;
}

/** A `<pre><code>` block with syntax colours and a copy button. */
export function CodeBlock({ code, lang, label }: { code: string; lang?: string; label?: string }) {
  const parts = useMemo(() => highlight(code, lang), [code, lang]);
  return (
    <figure className="code-block">
      <figcaption>
        <span>{label ?? lang ?? "text"}</span>
        <button type="button" className="link" onClick={() => void navigator.clipboard?.writeText(code)}>
          Copy
        </button>
      </figcaption>
      <pre>
        <code>{parts}</code>
      </pre>
    </figure>
  );
}
