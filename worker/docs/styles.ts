/** The API reference page's stylesheet, served as a file so `/docs` runs under the same strict CSP as the SPA. */

/** Where the stylesheet is served; the page links it. */
export const DOCS_STYLESHEET_PATH = "/docs/reference.css";

/** The stylesheet: light and dark by `prefers-color-scheme`, a sticky operation index beside the reference. */
export const DOCS_STYLESHEET = `:root{color-scheme:light dark;--fg:#1b1f24;--bg:#fff;--muted:#57606a;--line:#d0d7de;--accent:#0a58ca}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;--line:#30363d;--accent:#6cb6ff}}
body{font:15px/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg);margin:0;display:flex}
nav{width:300px;flex:none;height:100vh;overflow:auto;position:sticky;top:0;border-right:1px solid var(--line);padding:1rem;font-size:13px}
nav ul{padding-left:1rem}main{padding:1rem 2rem;max-width:960px;min-width:0}
a{color:var(--accent)}code,pre{font-family:ui-monospace,monospace}pre{overflow:auto;border:1px solid var(--line);padding:.5rem}
table{border-collapse:collapse;margin:.5rem 0;width:100%}td,th{border:1px solid var(--line);padding:.25rem .5rem;text-align:left;vertical-align:top}
.op{border-top:1px solid var(--line);padding-top:.5rem}.method{font-weight:700}.auth,.desc{color:var(--muted)}
@media (max-width:800px){body{display:block}nav{position:static;width:auto;height:auto;border:0}main{padding:1rem}
table{display:block;overflow-x:auto}td,th,code{overflow-wrap:anywhere}}
`;
