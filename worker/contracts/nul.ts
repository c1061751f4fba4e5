/**
 * Postgres cannot store U+0000 in `text` or `jsonb` (it fails the whole statement), so input carrying it is refused
 * at the API, naming each field, before anything is written.
 */
/** One refused field, as `details.issues` lists it. */
interface FieldIssue {
  field: string;
  message: string;
}

/** Fields named in one refusal: enough to fix a payload, few enough to keep the error small. */
const MAX_REPORTED = 10;

const NUL = "\u0000";

type Key = string | number;
interface Frame {
  value: object;
  key: Key | null;
  parent: Frame | null;
}

function pathOf(frame: Frame | null, last: Key[]): Key[] {
  const path: Key[] = [];
  for (let at = frame; at?.key != null; at = at.parent) path.unshift(at.key);
  return [...path, ...last];
}

/**
 * The paths of the strings, and of the object keys, that contain a NUL in a parsed JSON value, at most
 * {@link MAX_REPORTED}. Walks with an explicit stack, so a deeply nested payload cannot overflow the call stack.
 * @example nulPaths({ a: ["x\u0000"] }) // [["a", 0]]
 */
export function nulPaths(value: unknown): Key[][] {
  if (typeof value === "string") return value.includes(NUL) ? [[]] : [];
  if (typeof value !== "object" || value === null) return [];
  const found: Key[][] = [];
  const stack: Frame[] = [{ value, key: null, parent: null }];
  while (stack.length > 0 && found.length < MAX_REPORTED) {
    const frame = stack.pop() as Frame;
    const entries: Array<[Key, unknown]> = Array.isArray(frame.value)
      ? frame.value.map((item, index) => [index, item])
      : Object.entries(frame.value);
    for (const [key, child] of entries) {
      if (typeof key === "string" && key.includes(NUL)) found.push(pathOf(frame, [key]));
      else if (typeof child === "string" && child.includes(NUL)) found.push(pathOf(frame, [key]));
      else if (typeof child === "object" && child !== null) stack.push({ value: child, key, parent: frame });
    }
  }
  return found.slice(0, MAX_REPORTED);
}

/** One issue per NUL found in `value`, each field prefixed with `prefix` (`json`, `query`, `task`, …). */
export function nulIssues(value: unknown, prefix: string): FieldIssue[] {
  return nulPaths(value).map((path) => ({
    field: [prefix, ...path.map(String)].join("."),
    message: "contains a NUL character (U+0000), which cannot be stored",
  }));
}
