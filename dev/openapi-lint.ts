/**
 * Checks of the generated API description, run by `dev/openapi-lint.test.ts` in `npm test` and by hand with
 * `npm run lint:openapi`:
 * - Redocly's `recommended` ruleset (`@redocly/openapi-core`, the engine of `redocly lint`, called as a library so
 *   nothing is downloaded and no telemetry is sent), configured by `redocly.yaml` and `.redocly.lint-ignore.yaml`;
 * - the house rules generated clients rely on, which the ruleset only warns about or does not know: every operation
 *   has a unique camelCase verb-first `operationId`, a `summary`, and `security` said explicitly.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { lint, lintFromString, loadConfig, type NormalizedProblem } from "@redocly/openapi-core";
import { OPENAPI_PATH } from "./openapi";

const CONFIG_PATH = resolve(import.meta.dirname, "..", "redocly.yaml");

/** One finding, as one line a person can act on. */
export interface LintFinding {
  rule: string;
  severity: string;
  message: string;
  /** JSON pointer into the document, e.g. `#/paths/~1health/get`. */
  pointer: string;
}

function toFindings(problems: NormalizedProblem[]): LintFinding[] {
  return problems
    .filter((p) => !p.ignored)
    .map((p) => ({ rule: p.ruleId, severity: p.severity, message: p.message, pointer: p.location[0]?.pointer ?? "" }));
}

/** Redocly's findings on the checked-in `openapi.yaml` (or `source`, linted as if it were that file), ignores applied. */
export async function redoclyFindings(source?: string): Promise<LintFinding[]> {
  const config = await loadConfig({ configPath: CONFIG_PATH });
  const problems =
    source === undefined
      ? await lint({ ref: OPENAPI_PATH, config })
      : await lintFromString({ source, absoluteRef: OPENAPI_PATH, config });
  return toFindings(problems);
}

/**
 * Verbs an `operationId` may start with. A closed list, so ids read as `verbNoun` (`listTasks`, `getTask`) and a
 * generated client's method names stay predictable; extend it when a route needs a verb it lacks.
 */
const OPERATION_VERBS = [
  "archive",
  "call",
  "cancel",
  "create",
  "delete",
  "export",
  "get",
  "list",
  "open",
  "receive",
  "redeliver",
  "revoke",
  "rotate",
  "run",
  "search",
  "sign",
  "stream",
  "test",
  "update",
  "upload",
];
const OPERATION_ID = new RegExp(`^(${OPERATION_VERBS.join("|")})[A-Z][A-Za-z0-9]*$`);
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

interface Operation {
  operationId?: string;
  summary?: string;
  security?: unknown;
}
interface Document {
  paths?: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
  components?: { securitySchemes?: Record<string, unknown> };
}

/** What a document breaks of the house rules, one line per operation and rule; empty when it keeps them all. */
export function operationFindings(document: Document): string[] {
  const findings: string[] = [];
  const seen = new Map<string, string>();
  const schemes = new Set(Object.keys(document.components?.securitySchemes ?? {}));
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const name = `${method.toUpperCase()} ${path}`;
      const id = op.operationId;
      if (!id) findings.push(`${name}: no operationId`);
      else if (!OPERATION_ID.test(id)) {
        findings.push(
          `${name}: operationId "${id}" is not camelCase verbNoun (verbs: OPERATION_VERBS in dev/openapi-lint.ts)`,
        );
      } else if (seen.has(id)) findings.push(`${name}: operationId "${id}" is also ${seen.get(id)}'s`);
      if (id) seen.set(id, name);
      if (!op.summary?.trim()) findings.push(`${name}: no summary`);
      if (!Array.isArray(op.security)) findings.push(`${name}: no security (public routes say \`security: []\`)`);
      else {
        for (const requirement of op.security as Array<Record<string, unknown>>) {
          for (const scheme of Object.keys(requirement)) {
            if (!schemes.has(scheme)) findings.push(`${name}: security names undefined scheme "${scheme}"`);
          }
        }
      }
    }
  }
  return findings;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { parse } = await import("yaml");
  const { readCheckedInOpenApi } = await import("./openapi");
  const redocly = await redoclyFindings();
  const house = operationFindings(parse(await readCheckedInOpenApi()) as Document);
  for (const f of redocly) console.log(`${f.severity} ${f.rule} ${f.pointer}: ${f.message}`);
  for (const f of house) console.log(`error house-rules ${f}`);
  console.log(`${redocly.length + house.length} problems (ignored findings are listed in .redocly.lint-ignore.yaml)`);
  process.exit(redocly.length + house.length === 0 ? 0 : 1);
}
