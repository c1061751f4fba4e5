/**
 * The API reference page (`/docs`), rendered on the server from the same OpenAPI document the routes generate, so
 * it can never drift from the code. One self-contained HTML page: no scripts, no external assets.
 */

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
<style>
:root{color-scheme:light dark;--fg:#1b1f24;--bg:#fff;--muted:#57606a;--line:#d0d7de;--accent:#0a58ca}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;--line:#30363d;--accent:#6cb6ff}}
body{font:15px/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg);margin:0;display:flex}
nav{width:300px;flex:none;height:100vh;overflow:auto;position:sticky;top:0;border-right:1px solid var(--line);padding:1rem;font-size:13px}
nav ul{padding-left:1rem}main{padding:1rem 2rem;max-width:960px;min-width:0}
a{color:var(--accent)}code,pre{font-family:ui-monospace,monospace}pre{overflow:auto;border:1px solid var(--line);padding:.5rem}
table{border-collapse:collapse;margin:.5rem 0;width:100%}td,th{border:1px solid var(--line);padding:.25rem .5rem;text-align:left;vertical-align:top}
.op{border-top:1px solid var(--line);padding-top:.5rem}.method{font-weight:700}.auth,.desc{color:var(--muted)}
@media (max-width:800px){body{display:block}nav{position:static;width:auto;height:auto;border:0}}
</style></head><body>
<nav aria-label="Operations"><strong>${escapeHtml(doc.info.title)} ${escapeHtml(doc.info.version)}</strong><p><a href="/openapi.yaml">openapi.yaml</a> · <a href="/openapi.json">openapi.json</a></p><ul>${nav}</ul></nav>
<main><h1>${escapeHtml(doc.info.title)}</h1><p>${escapeHtml(doc.info.description ?? "")}</p>
<p>Authenticate with <code>Authorization: Bearer &lt;API key&gt;</code>. Errors are <code>{"error": {"code", "message", "details?"}}</code>; invalid input is a 400 whose <code>details.issues</code> name each field.</p>
${sections.join("\n")}<h2 id="schemas">Schemas</h2>${schemas.join("\n")}</main></body></html>`;
}
