/** Document tools: look things up in the tenant's uploaded documents without loading them into the context. */
import { z } from "zod";
import { readLines, searchLines, sliceLines } from "../../documents/lines";
import type { DocumentStore } from "../../documents/store";
import { type AgentTool, defineTool } from "../tool";

/** Enough lines to read a section; more belongs in an RLM run. */
const MAX_SLICE_LINES = 400;
const MAX_MATCHES = 50;

function notFound(id: string) {
  return { ok: false, output: `[ERROR] No ready document has id ${id}. Call list_documents to see the ids.` };
}

export function documentTools(store: DocumentStore): AgentTool[] {
  return [
    defineTool({
      name: "list_documents",
      description: "List the uploaded documents (id, name, size in bytes), newest first.",
      schema: z.object({}),
      async run() {
        const docs = await store.list(100);
        if (docs.length === 0) return { ok: true, output: "No documents are uploaded.", data: { count: 0 } };
        const lines = docs.map((d) => `${d.id}\t${d.name}\t${d.bytes} bytes`);
        return { ok: true, output: `id\tname\tsize\n${lines.join("\n")}`, data: { count: docs.length } };
      },
    }),
    defineTool({
      name: "read_document_slice",
      description: `Read lines of a document, numbered from 1 (at most ${MAX_SLICE_LINES} lines per call).`,
      schema: z.object({
        document_id: z.uuid(),
        start_line: z.number().int().min(1).default(1),
        num_lines: z.number().int().min(1).max(MAX_SLICE_LINES).default(100),
      }),
      async run(args) {
        const stream = await store.open(args.document_id);
        if (!stream) return notFound(args.document_id);
        const slice = await sliceLines(readLines(stream), args.start_line, args.num_lines);
        if (slice.lines.length === 0) {
          return { ok: true, output: `The document has fewer than ${args.start_line} lines.` };
        }
        const end = slice.start + slice.lines.length - 1;
        const body = slice.lines.map((line, i) => `${slice.start + i}: ${line}`).join("\n");
        const tail = slice.reachedEnd ? "\n[end of document]" : "";
        const page = slice.page === null ? "" : ` (from page ${slice.page})`;
        return {
          ok: true,
          output: `Lines ${slice.start}–${end}${page}:\n${body}${tail}`,
          data: { start: slice.start, end },
        };
      },
    }),
    defineTool({
      name: "search_document",
      description:
        "Search a document with a regular expression (JavaScript syntax); returns matching lines with context.",
      schema: z.object({
        document_id: z.uuid(),
        pattern: z.string().min(1).max(500),
        context_lines: z.number().int().min(0).max(5).default(1),
        max_matches: z.number().int().min(1).max(MAX_MATCHES).default(20),
        ignore_case: z.boolean().default(true),
      }),
      async run(args) {
        let regex: RegExp;
        try {
          regex = new RegExp(args.pattern, args.ignore_case ? "i" : "");
        } catch (err) {
          return { ok: false, output: `[ERROR] Invalid regular expression: ${(err as Error).message}` };
        }
        const stream = await store.open(args.document_id);
        if (!stream) return notFound(args.document_id);
        const found = await searchLines(readLines(stream), regex, {
          context: args.context_lines,
          maxMatches: args.max_matches,
        });
        if (found.matches.length === 0) {
          return { ok: true, output: `No line matches /${args.pattern}/ (${found.linesScanned} lines searched).` };
        }
        const blocks = found.matches.map((m) =>
          [
            ...m.before.map((l, i) => `${m.line - m.before.length + i}- ${l}`),
            `${m.line}${m.page === null ? "" : ` (page ${m.page})`}: ${m.text}`,
            ...m.after.map((l, i) => `${m.line + 1 + i}- ${l}`),
          ].join("\n"),
        );
        const more = found.truncated ? `\n[stopped after ${args.max_matches} matches; refine the pattern]` : "";
        return {
          ok: true,
          output: `${found.matches.length} matches:\n${blocks.join("\n--\n")}${more}`,
          data: { matches: found.matches.length, truncated: found.truncated },
        };
      },
    }),
  ];
}
