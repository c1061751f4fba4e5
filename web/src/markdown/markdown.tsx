// biome-ignore-all lint/suspicious/noArrayIndexKey: tokens of a text are positional; streaming only appends, so index keys are stable
/**
 * Markdown for streamed answers: marked's lexer gives tokens and this file turns them into React elements. No HTML
 * string ever reaches the DOM — raw HTML in a model's answer is shown as text, and links keep only http(s)/mailto
 * targets — so there is nothing to sanitise. Re-lexing on every delta is fine: answers are kilobytes.
 */
import { Lexer, type Token, type Tokens } from "marked";
import { type ReactNode, useMemo } from "react";
import { CodeBlock } from "./code-block";

const SAFE_URL = /^(https?:|mailto:|\/|#)/i;

function inline(tokens: Token[] | undefined, fallback = ""): ReactNode {
  if (!tokens) return fallback;
  return tokens.map((token, i) => <InlineToken key={i} token={token} />);
}

function InlineToken({ token }: { token: Token }): ReactNode {
  switch (token.type) {
    case "strong":
      return <strong>{inline(token.tokens, token.text)}</strong>;
    case "em":
      return <em>{inline(token.tokens, token.text)}</em>;
    case "del":
      return <del>{inline(token.tokens, token.text)}</del>;
    case "codespan":
      return <code>{token.text}</code>;
    case "br":
      return <br />;
    case "link": {
      const href = String(token.href ?? "");
      if (!SAFE_URL.test(href)) return <span>{inline(token.tokens, token.text)}</span>;
      return (
        <a href={href} target="_blank" rel="noopener noreferrer">
          {inline(token.tokens, token.text)}
        </a>
      );
    }
    case "image":
      // Images from model output are not loaded (tracking pixels, exfiltration through URLs): the alt text is shown.
      return <span className="muted">[image: {String(token.text ?? "")}]</span>;
    case "text":
      return token.tokens ? inline(token.tokens) : token.text;
    default:
      return "text" in token ? String(token.text) : token.raw;
  }
}

function Block({ token }: { token: Token }): ReactNode {
  switch (token.type) {
    case "heading": {
      // Headings inside an answer sit below the page's own h1/h2.
      const Tag = `h${Math.min(6, Math.max(3, token.depth + 2))}` as "h3";
      return <Tag>{inline(token.tokens, token.text)}</Tag>;
    }
    case "paragraph":
      return <p>{inline(token.tokens, token.text)}</p>;
    case "code":
      return <CodeBlock code={token.text} lang={token.lang || undefined} />;
    case "blockquote":
      return <blockquote>{blocks(token.tokens)}</blockquote>;
    case "list": {
      const list = token as Tokens.List;
      const items = list.items.map((item, i) => <li key={i}>{blocks(item.tokens)}</li>);
      return list.ordered ? <ol start={list.start || undefined}>{items}</ol> : <ul>{items}</ul>;
    }
    case "table": {
      const table = token as Tokens.Table;
      return (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                {table.header.map((cell, i) => (
                  <th key={i} style={{ textAlign: cell.align ?? undefined }}>
                    {inline(cell.tokens, cell.text)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {table.rows.map((row, r) => (
                <tr key={r}>
                  {row.map((cell, i) => (
                    <td key={i} style={{ textAlign: cell.align ?? undefined }}>
                      {inline(cell.tokens, cell.text)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
    }
    case "hr":
      return <hr />;
    case "space":
    case "def":
      return null;
    case "text":
      return <p>{inline(token.tokens, token.text)}</p>;
    default:
      return <p>{token.raw}</p>;
  }
}

function blocks(tokens: Token[] | undefined): ReactNode {
  return (tokens ?? []).map((token, i) => <Block key={i} token={token} />);
}

/** Renders markdown text as React elements. */
export function Markdown({ text }: { text: string }) {
  const tokens = useMemo(() => Lexer.lex(text, { gfm: true, breaks: false }), [text]);
  return <div className="markdown">{blocks(tokens)}</div>;
}
