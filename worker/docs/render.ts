/**
 * The API reference page (`/docs`), rendered on the server from the same OpenAPI document the routes generate, so
 * it can never drift from the code. No scripts; its one stylesheet is served beside it, so the page's CSP needs no
 * `'unsafe-inline'`.
 */
import { DOCS_STYLESHEET_PATH } from "./styles";

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: Array<{ name: string; in: string; required?: boolean; description?: string; schema?: unknown }>;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}

interface OpenApiDocument {
  info: { title: string; version: string; description?: string };
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> };
}

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

function escapeHtml(value: unknown): string {
  return String(value ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function schemaRef(schema: unknown): string {
  if (!schema || typeof schema !== "object") return "";
  const ref = (schema as { $ref?: string }).$ref;
  if (ref) {
    const name = ref.split("/").at(-1) ?? ref;
    return `<a href="#schema-${escapeHtml(name)}">${escapeHtml(name)}</a>`;
  }
  const items = (schema as { items?: unknown }).items;
  if (items) return `array of ${schemaRef(items)}`;
  const type = (schema as { type?: string }).type;
  return escapeHtml(type ?? "object");
}

function renderOperation(method: string, path: string, op: Operation): string {
  const id = `${method}-${path}`.replace(/[^a-z0-9]+/gi, "-");
  const params = (op.parameters ?? [])
    .map(
      (p) =>
        `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${escapeHtml(p.in)}</td><td>${p.required ? "yes" : "no"}</td><td>${schemaRef(p.schema)}</td><td>${escapeHtml(p.description ?? "")}</td></tr>`,
    )
    .join("");
  const body = Object.entries(op.requestBody?.content ?? {})
    .map(([type, media]) => `<p>Body <code>${escapeHtml(type)}</code>: ${schemaRef(media.schema)}</p>`)
    .join("");
  const responses = Object.entries(op.responses ?? {})
    .map(([status, r]) => {
      const schemas = Object.values(r.content ?? {})
        .map((m) => schemaRef(m.schema))
        .filter(Boolean)
        .join(", ");
      return `<tr><td><code>${escapeHtml(status)}</code></td><td>${escapeHtml(r.description ?? "")}</td><td>${schemas}</td></tr>`;
    })
    .join("");
  return `<section class="op" id="${escapeHtml(id)}">
<h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>
<p>${escapeHtml(op.summary ?? "")}${op.security?.length ? ' <span class="auth">auth</span>' : ""}</p>
${op.description ? `<p class="desc">${escapeHtml(op.description)}</p>` : ""}
${params ? `<table><tr><th>parameter</th><th>in</th><th>required</th><th>type</th><th></th></tr>${params}</table>` : ""}
${body}
<table><tr><th>status</th><th>meaning</th><th>body</th></tr>${responses}</table>
</section>`;
}

/** The whole reference page for an OpenAPI 3.1 document. */
export function renderApiReference(document: object): string {
  // SAFETY: the generator's types are wider than what is read here; every field read is optional or checked.
  const doc = document as OpenApiDocument;
  const byTag = new Map<string, string[]>();
  const toc = new Map<string, string[]>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? "other";
      byTag.set(tag, [...(byTag.get(tag) ?? []), renderOperation(method, path, op)]);
      const id = `${method}-${path}`.replace(/[^a-z0-9]+/gi, "-");
      toc.set(tag, [
        ...(toc.get(tag) ?? []),
        `<li><a href="#${escapeHtml(id)}">${method.toUpperCase()} ${escapeHtml(path)}</a></li>`,
      ]);
    }
  }
  const sections = [...byTag.entries()].map(
    ([tag, ops]) => `<h2 id="tag-${escapeHtml(tag)}">${escapeHtml(tag)}</h2>${ops.join("")}`,
  );
  const schemas = Object.entries(doc.components?.schemas ?? {}).map(
    ([name, schema]) =>
      `<section id="schema-${escapeHtml(name)}"><h3>${escapeHtml(name)}</h3><pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre></section>`,
  );
  const nav = [...toc.entries()]
    .map(([tag, items]) => `<li>${escapeHtml(tag)}<ul>${items.join("")}</ul></li>`)
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.info.title)} — API reference</title>
<link rel="stylesheet" href="${DOCS_STYLESHEET_PATH}"></head><body>
<nav aria-label="Operations"><strong>${escapeHtml(doc.info.title)} ${escapeHtml(doc.info.version)}</strong><p><a href="/openapi.yaml">openapi.yaml</a> · <a href="/openapi.json">openapi.json</a></p><ul>${nav}</ul></nav>
<main><h1>${escapeHtml(doc.info.title)}</h1><p>${escapeHtml(doc.info.description ?? "")}</p>
<p>Authenticate with <code>Authorization: Bearer &lt;API key&gt;</code>. Errors are <code>{"error": {"code", "message", "details?"}}</code>; invalid input is a 400 whose <code>details.issues</code> name each field.</p>
${sections.join("\n")}<h2 id="schemas">Schemas</h2>${schemas.join("\n")}</main></body></html>`;
}
