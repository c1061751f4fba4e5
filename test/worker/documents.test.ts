/** Documents inside workerd: streamed uploads into R2 (both put paths), extraction, ranges, limits, isolation. */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { documents, tenants } from "../../worker/db/schema";
import aes256Pdf from "../fixtures/pdf/report-aes-256.pdf?inline";
import chromiumPdf from "../fixtures/pdf/report-chromium.pdf?inline";
import ghostscriptPdf from "../fixtures/pdf/report-ghostscript.pdf?inline";
import passwordPdf from "../fixtures/pdf/report-password.pdf?inline";
import scannedPdf from "../fixtures/pdf/report-scanned.pdf?inline";
import { call, newTenant, useTestDb } from "./harness";

const handle = useTestDb();

interface Doc {
  id: string;
  name: string;
  bytes: number;
  sha256: string;
  status: string;
  contentType: string;
}

async function sha256(data: string | Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    typeof data === "string" ? new TextEncoder().encode(data) : data,
  );
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function fixtureBytes(dataUrl: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(dataUrl.slice(dataUrl.indexOf(",") + 1)), (c) => c.charCodeAt(0));
}

/** A body with no Content-Length: the Worker must take the multipart path. */
function streamOf(text: string, chunk = 1000): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

function upload(key: string, name: string, body: BodyInit, headers: Record<string, string> = {}) {
  return call(`/v1/documents?name=${encodeURIComponent(name)}`, {
    method: "POST",
    key,
    body,
    headers,
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit & { key: string });
}

async function rowsOf(tenantId: string) {
  return handle.db.select().from(documents).where(eq(documents.tenantId, tenantId));
}

describe("documents", () => {
  it("stores an upload, serves its content and ranges, lists, and deletes it with its bytes", async () => {
    const { apiKey } = await newTenant(handle, "docs");
    const key = apiKey.secret;
    const text = "line one\nline two\nline three\n";
    const res = await upload(key, "notes.txt", text, { "content-type": "text/plain" });
    expect(res.status, await res.clone().text()).toBe(201);
    const doc = (await res.json()) as Doc;
    expect(doc).toMatchObject({ name: "notes.txt", bytes: text.length, status: "ready", sha256: await sha256(text) });

    const content = await call(`/v1/documents/${doc.id}/content`, { key });
    expect(await content.text()).toBe(text);
    const ranged = await call(`/v1/documents/${doc.id}/content`, { key, headers: { range: "bytes=5-12" } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get("content-range")).toBe(`bytes 5-12/${text.length}`);
    expect(await ranged.text()).toBe("one\nline");
    expect((await call(`/v1/documents/${doc.id}/content`, { key, headers: { range: "bytes=999-" } })).status).toBe(416);
    expect((await call(`/v1/documents/${doc.id}/content`, { key, headers: { range: "lines=1-2" } })).status).toBe(400);

    const list = (await (await call("/v1/documents", { key })).json()) as { documents: Doc[] };
    expect(list.documents.map((d) => d.id)).toEqual([doc.id]);
    expect(((await (await call(`/v1/documents/${doc.id}`, { key })).json()) as Doc).name).toBe("notes.txt");

    expect((await call(`/v1/documents/${doc.id}`, { method: "DELETE", key })).status).toBe(204);
    expect((await call(`/v1/documents/${doc.id}`, { key })).status).toBe(404);
    expect(await env.DOCUMENTS.head(`documents/${(await newTenant(handle, "x")).tenant.id}/${doc.id}`)).toBeNull();
  });

  it("streams a body of unknown length in parts, and pages the list", async () => {
    const { apiKey } = await newTenant(handle, "multipart");
    const key = apiKey.secret;
    const text = "0123456789abcdef\n".repeat(700_000); // ≈ 11.9 MB: two parts
    const res = await upload(key, "big.log", streamOf(text, 65_536));
    expect(res.status, await res.clone().text()).toBe(201);
    const doc = (await res.json()) as Doc;
    expect(doc.bytes).toBe(text.length);
    expect(doc.sha256).toBe(await sha256(text));
    const tail = await call(`/v1/documents/${doc.id}/content`, { key, headers: { range: "bytes=-17" } });
    expect(await tail.text()).toBe("0123456789abcdef\n");

    for (const name of ["a.md", "b.csv"]) expect((await upload(key, name, "x")).status).toBe(201);
    const first = (await (await call("/v1/documents?limit=2", { key })).json()) as {
      documents: Doc[];
      nextCursor: string;
    };
    expect(first.documents.map((d) => d.name)).toEqual(["b.csv", "a.md"]);
    const second = (await (
      await call(`/v1/documents?limit=2&cursor=${encodeURIComponent(first.nextCursor)}`, { key })
    ).json()) as {
      documents: Doc[];
      nextCursor: string | null;
    };
    expect(second.documents.map((d) => d.name)).toEqual(["big.log"]);
    expect(second.nextCursor).toBeNull();
  });

  it("extracts the text of HTML and keeps JSON as JSON", async () => {
    const { apiKey } = await newTenant(handle, "formats");
    const key = apiKey.secret;
    const html =
      "<html><head><title>T</title><style>p{color:red}</style></head><body><h1>Report &amp; notes</h1><p>Caf&eacute; &lt;ok&gt; &#x2713;</p><script>alert('x')</script><p>Line&nbsp;two</p></body></html>";
    const res = await upload(key, "page.html", html);
    expect(res.status).toBe(201);
    const doc = (await res.json()) as Doc;
    const text = await (await call(`/v1/documents/${doc.id}/content`, { key })).text();
    expect(text).toContain("Report & notes");
    expect(text).toContain("Café <ok> ✓");
    expect(text).toContain("<ok> ✓");
    expect(text).toContain("Line two");
    expect(text).not.toContain("alert");
    expect(text).not.toContain("color:red");
    expect(doc.contentType).toBe("text/html");
    // The page itself is kept too, for download; a text format's original is its content.
    const original = await call(`/v1/documents/${doc.id}/original`, { key });
    expect(original.headers.get("content-type")).toBe("text/html");
    expect(original.headers.get("content-disposition")).toContain('filename="page.html"');
    expect(await original.text()).toBe(html);
    const json = (await (await upload(key, "data.json", '{"a":[1,2]}')).json()) as Doc;
    expect(json.contentType).toBe("application/json");
    expect(await (await call(`/v1/documents/${json.id}/original`, { key })).text()).toBe('{"a":[1,2]}');
  });

  it("stores the text of PDFs page by page, from a browser's and from a PostScript pipeline's", async () => {
    const { apiKey, tenant } = await newTenant(handle, "pdf");
    const key = apiKey.secret;
    const original = fixtureBytes(chromiumPdf);
    const res = await upload(key, "report.pdf", original);
    expect(res.status).toBe(201);
    const doc = (await res.json()) as Doc;
    expect(doc).toMatchObject({ contentType: "application/pdf", status: "ready", sha256: await sha256(original) });
    const content = await call(`/v1/documents/${doc.id}/content`, { key });
    expect(content.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    const text = await content.text();
    expect(text).toContain("--- page 1 ---\nQuarterly Report — Café Naïve\n");
    expect(text).toContain("The launch code is ZEBRA-9. Office efficiency rose by fifteen percent;");
    expect(text).toContain("“curly quotes”, an em—dash, and the price €42.50 in Zürich.");
    expect(text).toContain("--- page 2 ---\nPage two begins here. 日本語のテキスト。");
    expect(doc.bytes).toBe(new TextEncoder().encode(text).byteLength);
    const kept = await call(`/v1/documents/${doc.id}/original`, { key });
    expect(kept.headers.get("content-type")).toBe("application/pdf");
    expect(await sha256(new Uint8Array(await kept.arrayBuffer()))).toBe(await sha256(original));
    // Deleting the document deletes its original too.
    expect((await call(`/v1/documents/${doc.id}`, { method: "DELETE", key })).status).toBe(204);
    expect((await call(`/v1/documents/${doc.id}/original`, { key })).status).toBe(404);
    expect((await env.DOCUMENTS.list({ prefix: `documents/${tenant.id}/${doc.id}` })).objects).toEqual([]);

    // Sent as a stream of unknown length, with only its content type to say what it is.
    const bytes = fixtureBytes(ghostscriptPdf);
    const streamed = await upload(key, "report", new Blob([bytes]).stream(), { "content-type": "application/pdf" });
    expect(streamed.status).toBe(201);
    const groff = (await streamed.json()) as Doc;
    const groffText = await (await call(`/v1/documents/${groff.id}/content`, { key })).text();
    expect(groffText).toContain("The launch code is ZEBRA-9. Café naïve office “final” fjord.");
    expect(groffText).toContain("--- page 2 ---");

    // Encrypted with an owner password only (AES-256): opened with the empty user password, like every reader does.
    const locked = (await (await upload(key, "locked.pdf", fixtureBytes(aes256Pdf))).json()) as Doc;
    expect(await (await call(`/v1/documents/${locked.id}/content`, { key })).text()).toBe(text);
  });

  it("refuses PDFs whose text cannot be trusted, saying why, and stores nothing", async () => {
    const { apiKey, tenant } = await newTenant(handle, "pdf-refuse");
    const key = apiKey.secret;
    const cases: Array<[string, BodyInit, string, RegExp]> = [
      ["scan.pdf", fixtureBytes(scannedPdf), "no_text", /no text layer.*OCR/],
      ["locked.pdf", fixtureBytes(passwordPdf), "encrypted", /needs a password/],
      ["fake.pdf", "just some text", "not_pdf", /not a PDF/],
      ["cut.pdf", fixtureBytes(chromiumPdf).slice(0, 2_000), "damaged", /damaged/],
    ];
    for (const [name, body, reason, message] of cases) {
      const res = await upload(key, name, body);
      expect(res.status, name).toBe(422);
      const { error } = (await res.json()) as { error: { code: string; message: string; details: { reason: string } } };
      expect(error, name).toMatchObject({ code: "document_unreadable", details: { reason } });
      expect(error.message, name).toMatch(message);
    }
    const tooBig = await call("/v1/documents?name=huge.pdf", {
      method: "POST",
      key,
      body: "x",
      headers: { "content-length": String(33 * 1_048_576) },
    });
    expect(tooBig.status).toBe(413);
    expect(JSON.stringify(await tooBig.json())).toContain("A PDF is read whole in memory");
    expect(await handle.db.select().from(documents).where(eq(documents.tenantId, tenant.id))).toEqual([]);
    const listed = await env.DOCUMENTS.list({ prefix: `documents/${tenant.id}/` });
    expect(listed.objects).toEqual([]);
  });

  it("refuses HTML nested too deep to parse with 422 document_unreadable, and stores nothing", async () => {
    const { apiKey, tenant } = await newTenant(handle, "html-deep");
    const html = `<html><body>${"<div>".repeat(50_000)}text${"</div>".repeat(50_000)}</body></html>`;
    // Whole, and streamed in small chunks: then the kept original is still uploading when the text fails.
    for (const body of [html, streamOf(html, 4096)]) {
      const res = await upload(apiKey.secret, "deep.html", body);
      expect(res.status).toBe(422);
      const { error } = (await res.json()) as { error: { code: string; message: string; details: { reason: string } } };
      expect(error).toMatchObject({ code: "document_unreadable", details: { reason: "too_deep" } });
      expect(error.message).toMatch(/nested/);
    }
    expect(await rowsOf(tenant.id)).toEqual([]);
    expect((await env.DOCUMENTS.list({ prefix: `documents/${tenant.id}/` })).objects).toEqual([]);
  });

  it("refuses bad uploads with a clear error and stores nothing", async () => {
    const { apiKey, tenant } = await newTenant(handle, "refuse");
    const key = apiKey.secret;
    const png = await upload(key, "photo.png", "\x89PNG", { "content-type": "image/png" });
    expect(png.status).toBe(415);
    expect(((await png.json()) as { error: { code: string } }).error.code).toBe("unsupported_media_type");
    const slash = await upload(key, "../etc/passwd.txt", "x");
    expect(slash.status).toBe(400);
    expect(JSON.stringify(await slash.json())).toContain("query.name");
    const empty = await call("/v1/documents?name=a.txt", { method: "POST", key });
    expect(empty.status).toBe(400);

    const declaredTooBig = await call("/v1/documents?name=huge.txt", {
      method: "POST",
      key,
      body: streamOf("x"),
      headers: { "content-length": String(200 * 1_048_576) },
      duplex: "half",
    } as RequestInit & { key: string });
    expect(declaredTooBig.status).toBe(413);
    // The free plan allows 100 MiB; a body of unknown length is cut off mid-stream once it passes that.
    const chunk = "y".repeat(1_048_576);
    let sent = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += 1;
        if (sent > 120) return controller.close();
        controller.enqueue(new TextEncoder().encode(chunk));
      },
    });
    const streamedTooBig = await upload(key, "huge.txt", endless);
    expect(streamedTooBig.status).toBe(413);
    expect(((await streamedTooBig.json()) as { error: { details: { maxBytes: number } } }).error.details.maxBytes).toBe(
      100 * 1_048_576,
    );
    expect(await rowsOf(tenant.id)).toEqual([]);
    const listed = await env.DOCUMENTS.list({ prefix: `documents/${tenant.id}/` });
    expect(listed.objects).toEqual([]);

    await handle.db.update(tenants).set({ plan: "team" }).where(eq(tenants.id, tenant.id));
    expect((await upload(key, "ok.txt", "fine")).status).toBe(201);
  });

  it("keeps each tenant's documents to itself", async () => {
    const a = await newTenant(handle, "doc-a");
    const b = await newTenant(handle, "doc-b");
    const doc = (await (await upload(a.apiKey.secret, "secret.txt", "mine")).json()) as Doc;
    for (const [path, method] of [
      [`/v1/documents/${doc.id}`, "GET"],
      [`/v1/documents/${doc.id}/content`, "GET"],
      [`/v1/documents/${doc.id}`, "DELETE"],
    ] as const) {
      expect((await call(path, { method, key: b.apiKey.secret })).status, `${method} ${path}`).toBe(404);
    }
    const listB = (await (await call("/v1/documents", { key: b.apiKey.secret })).json()) as { documents: Doc[] };
    expect(listB.documents).toEqual([]);
    const reader = await newTenant(handle, "doc-reader", ["documents:read"]);
    expect((await upload(reader.apiKey.secret, "x.txt", "x")).status).toBe(403);
    expect((await call("/v1/documents")).status).toBe(401);
    for (const [path, field] of [
      ["/v1/documents?limit=0", "query.limit"],
      ["/v1/documents?cursor=garbage", "query.cursor"],
    ] as const) {
      const res = await call(path, { key: a.apiKey.secret });
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toContain(field);
    }
  });
});
