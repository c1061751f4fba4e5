/** The inline context of a task or an RLM run: text, or JSON loaded into the REPL as `context`. */
import { z } from "@hono/zod-openapi";

/**
 * Deepest nesting of a JSON context. The REPL's `json.loads` fails near 990 levels and `pickle` (which keeps
 * session variables) near 500, as both recurse under Python's limit of 1,000 frames; 64 is beyond any real
 * document and leaves code that walks the context recursively some 15 frames per level.
 */
export const MAX_CONTEXT_DEPTH = 64;

/** Sentence for the contracts' descriptions, so the limit appears in `openapi.yaml`. */
export const CONTEXT_DEPTH_NOTE = `JSON may nest at most ${MAX_CONTEXT_DEPTH} arrays/objects deep.`;

/**
 * True when `value` nests arrays and objects more than `max` levels deep (`[]` is one level). Walks with an explicit
 * stack and stops at the first level too deep, so a hostile payload cannot overflow the call stack here either.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (typeof current !== "object" || current === null) continue;
    if (depth + 1 > max) return true;
    for (const child of Object.values(current)) {
      if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** Text, a JSON array or a JSON object, at most {@link MAX_CONTEXT_DEPTH} levels deep. */
export const InlineContext = z
  .union([z.string(), z.array(z.unknown()), z.record(z.string(), z.unknown())])
  .refine((context) => !nestsDeeperThan(context, MAX_CONTEXT_DEPTH), {
    message: `nested more than ${MAX_CONTEXT_DEPTH} levels deep`,
  });
