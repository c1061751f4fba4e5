/**
 * PDF to text, in the Worker and in plain JavaScript. A document is refused with a reason (`document_unreadable`)
 * rather than stored as garbage when it is encrypted, has no text layer (a scan), or uses fonts whose characters
 * cannot be known: a wrong extraction would silently poison every answer built on it.
 */
import { AppError } from "../../errors";
import { pageMarker } from "../page-marker";
import { type Page, PdfFile } from "./file";
import type { Font } from "./fonts";
import type { Dict } from "./lexer";
import { SyntaxFault } from "./lexer";
import { PageReader } from "./text";
import { checkTrust, emptyStats } from "./trust";

/** Largest PDF read: the file sits in memory whole while it is read, and a Worker has 128 MB in all. */
export const MAX_PDF_BYTES = 32 * 1_048_576;

function unreadable(message: string, reason: string): AppError {
  return new AppError("document_unreadable", message, { details: { reason } });
}

async function openPdf(bytes: Uint8Array): Promise<PdfFile> {
  if (!isPdf(bytes)) throw unreadable("The file is not a PDF (it does not start with %PDF-)", "not_pdf");
  let file: PdfFile;
  try {
    file = await PdfFile.open(bytes);
  } catch (err) {
    if (err instanceof SyntaxFault) throw unreadable("The PDF is damaged: no objects could be read", "damaged");
    throw err;
  }
  if (file.security?.status === "password") {
    throw unreadable(
      "The PDF needs a password to open; save or print it as an unprotected PDF and upload that copy",
      "encrypted",
    );
  }
  if (file.security?.status === "unsupported") {
    throw unreadable(
      `The PDF is encrypted with ${file.security.scheme}, which cannot be read here; upload an unprotected copy`,
      "encrypted",
    );
  }
  return file;
}

/**
 * A PDF's text as UTF-8, page by page, each page under a `--- page N ---` line so answers can cite pages. Only one
 * page's text is held at a time. The stream fails with `document_unreadable` — before any text when the file cannot be
 * opened, at its end when the text turned out untrustworthy — so a consumer must discard what it wrote on error.
 */
export function pdfText(bytes: Uint8Array): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const stats = emptyStats();
  const fonts = new WeakMap<Dict, Promise<Font>>();
  let file: PdfFile | null = null;
  let pages: Page[] = [];
  let next = 0;
  return new ReadableStream<Uint8Array>({
    // Opened on the first read, so a file that cannot be opened fails that read with the reason.
    async pull(controller) {
      if (!file) {
        file = await openPdf(bytes);
        pages = file.pages();
        if (pages.length === 0) throw unreadable("The PDF is damaged: its page tree could not be read", "damaged");
      }
      const page = pages[next];
      if (!page) {
        checkTrust(stats);
        return controller.close();
      }
      const text = await new PageReader(file, fonts, stats).read(page.contents, page.resources);
      controller.enqueue(encoder.encode(`${next > 0 ? "\n\n" : ""}${pageMarker(next + 1)}\n${text}`));
      next++;
    },
  });
}

/** `%PDF-` within the first KiB, where readers look for it. */
function isPdf(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 1024);
  for (let i = head.indexOf(0x25); i !== -1 && i + 5 <= head.length; i = head.indexOf(0x25, i + 1)) {
    if (head[i + 1] === 0x50 && head[i + 2] === 0x44 && head[i + 3] === 0x46 && head[i + 4] === 0x2d) return true;
  }
  return false;
}
