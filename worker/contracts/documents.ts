/** Documents: uploaded files the agent and RLM runs read, streamed into R2 (`/v1/documents`). */
import { z } from "@hono/zod-openapi";

export const DocumentStatus = z.enum(["uploading", "ready", "failed"]);

export const Document = z
  .object({
    id: z.string(),
    name: z.string(),
    contentType: z
      .string()
      .openapi({ description: "The uploaded format; HTML and PDF are stored as their extracted text" }),
    bytes: z.number().int().openapi({ description: "Size of the stored text" }),
    sha256: z.string().nullable().openapi({ description: "SHA-256 of the uploaded bytes" }),
    status: DocumentStatus,
    createdAt: z.iso.datetime(),
  })
  .openapi("Document");
export type Document = z.infer<typeof Document>;

export const UploadDocumentQuery = z.object({
  name: z
    .string()
    .trim()
    .min(1)
    .max(255)
    .refine((name) => !/[/\\]/.test(name) && !/\p{Cc}/u.test(name), "no slashes or control characters")
    .openapi({ example: "contract.txt", description: "File name; its extension picks the format" }),
});

export const ListDocumentsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional().openapi({ description: "`nextCursor` of the previous page" }),
});

export const DocumentPage = z
  .object({ documents: z.array(Document), nextCursor: z.string().nullable() })
  .openapi("DocumentPage");
export type DocumentPage = z.infer<typeof DocumentPage>;

export const SearchDocumentQuery = z.object({
  pattern: z
    .string()
    .min(1)
    .max(500)
    .openapi({ description: "A regular expression (JavaScript syntax)", example: "magic number" }),
  context: z.coerce.number().int().min(0).max(5).default(1).openapi({ description: "Lines shown either side" }),
  maxMatches: z.coerce.number().int().min(1).max(50).default(20),
  ignoreCase: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
});
export type SearchDocumentQuery = z.infer<typeof SearchDocumentQuery>;

export const DocumentSearchResult = z
  .object({
    matches: z.array(
      z.object({
        line: z.number().int().openapi({ description: "Line number, from 1" }),
        page: z.number().int().nullable().openapi({ description: "The PDF page the line is on" }),
        text: z.string(),
        before: z.array(z.string()),
        after: z.array(z.string()),
      }),
    ),
    truncated: z.boolean().openapi({ description: "True when the search stopped at `maxMatches`" }),
    linesScanned: z.number().int(),
  })
  .openapi("DocumentSearchResult");
