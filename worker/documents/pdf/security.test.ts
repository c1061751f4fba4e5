/**
 * The standard security handler inside workerd: its hashing and AES come from `node:crypto` under `nodejs_compat`
 * (MD5, AES-128/256-CBC with and without padding), so every revision is opened here as well as in Node.
 */
import { describe, expect, it } from "vitest";
import aes128 from "../../../test/fixtures/pdf/report-aes-128.pdf?inline";
import aes256 from "../../../test/fixtures/pdf/report-aes-256.pdf?inline";
import aes256r5 from "../../../test/fixtures/pdf/report-aes-256-r5.pdf?inline";
import chromium from "../../../test/fixtures/pdf/report-chromium.pdf?inline";
import ghostscript from "../../../test/fixtures/pdf/report-ghostscript.pdf?inline";
import rc4x40 from "../../../test/fixtures/pdf/report-rc4-40.pdf?inline";
import rc4x128 from "../../../test/fixtures/pdf/report-rc4-128.pdf?inline";
import { pdfText } from "./index";

function textOf(dataUrl: string): Promise<string> {
  const bytes = Uint8Array.from(atob(dataUrl.slice(dataUrl.indexOf(",") + 1)), (c) => c.charCodeAt(0));
  return new Response(pdfText(bytes)).text();
}

describe("encrypted PDFs in workerd", () => {
  it("opens every revision with the empty user password: RC4 40/128, AES-128, AES-256 R5 and R6", async () => {
    const plain = await textOf(ghostscript);
    for (const [name, file] of Object.entries({ rc4x40, rc4x128, aes128, aes256r5 })) {
      expect(await textOf(file), name).toBe(plain);
    }
    expect(await textOf(aes256)).toBe(await textOf(chromium));
  });
});
