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
