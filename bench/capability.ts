/**
 * `npm run bench:capability`: S-NIAH and OOLONG through the product's own API on a throw-away local stack, against
 * a plain long-context call to the same model.
 *
 *   npm run bench:capability -- [--base-url URL --model NAME [--delegate-model NAME] [--api-key K]]
 *     [--lengths 8k,32k,128k] [--tasks sniah,oolong] [--samples N] [--seed S] [--baseline-max-tokens N] [--out DIR]
 *
 * Without `--base-url` the stack's scripted `solver` model answers, which checks the plumbing, not a model. The
 * API key may also come from `OPENAI_API_KEY`. Writes `capability.json`, `capability.md` and `capability.svg` to
 * `--out` (default `bench/results/`) and prints the Markdown table; progress goes to stderr.
 */
import { parseArgs } from "node:util";
import { DEFAULT_BASELINE_MAX_TOKENS, runCapability } from "./capability/harness";
import { OOLONG_MAX_TOKENS, OOLONG_MIN_TOKENS, SNIAH_MAX_TOKENS, SNIAH_MIN_TOKENS } from "./capability/index";
import { CAPABILITY_KINDS, type CapabilityKind, parseLength } from "./capability/suite";

const USAGE = `usage: npm run bench:capability -- [--base-url URL --model NAME] [--delegate-model NAME] [--api-key K]
  [--lengths 8k,32k,128k] [--tasks sniah,oolong] [--samples N] [--seed S] [--baseline-max-tokens N] [--out DIR]`;

function nonNegativeInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag} must be a non-negative integer, got '${text}'`);
  return n;
}

function parseKinds(text: string): CapabilityKind[] {
  return text.split(",").map((k) => {
    const kind = k.trim().toLowerCase();
    if (!(CAPABILITY_KINDS as readonly string[]).includes(kind)) {
      throw new Error(`--tasks: unknown task '${k}' (known: ${CAPABILITY_KINDS.join(", ")})`);
    }
    return kind as CapabilityKind;
  });
}

async function main() {
  const { values } = parseArgs({
    options: {
      "base-url": { type: "string" },
      model: { type: "string" },
      "delegate-model": { type: "string" },
      "api-key": { type: "string" },
      lengths: { type: "string", default: "8k,32k,128k" },
      tasks: { type: "string", default: CAPABILITY_KINDS.join(",") },
      samples: { type: "string", default: "3" },
      seed: { type: "string", default: "1" },
      "baseline-max-tokens": { type: "string", default: String(DEFAULT_BASELINE_MAX_TOKENS) },
      out: { type: "string", default: "bench/results" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const kinds = parseKinds(values.tasks);
  const lengths = values.lengths.split(",").map(parseLength);
  // Checked before a stack starts: the generators refuse these lengths only when the case is built.
  for (const length of lengths) {
    const [min, max] = kinds.includes("sniah")
      ? [SNIAH_MIN_TOKENS, SNIAH_MAX_TOKENS]
      : [OOLONG_MIN_TOKENS, OOLONG_MAX_TOKENS];
    if (length < min || length > max) throw new Error(`--lengths: ${length} tokens is outside [${min}, ${max}]`);
  }
  const baseUrl = values["base-url"];
  if (baseUrl && !values.model) throw new Error(`--model is required with --base-url\n${USAGE}`);
  const run = await runCapability({
    endpoint:
      baseUrl && values.model
        ? {
            baseUrl,
            model: values.model,
            delegateModel: values["delegate-model"],
            apiKey: values["api-key"] ?? process.env.OPENAI_API_KEY,
          }
        : undefined,
    kinds,
    lengths,
    samples: nonNegativeInt(values.samples, "samples"),
    seed: nonNegativeInt(values.seed, "seed"),
    baselineMaxTokens: nonNegativeInt(values["baseline-max-tokens"], "baseline-max-tokens"),
    outDir: values.out,
  });
  console.log(run.markdown);
  if (run.files) console.log(`wrote ${run.files.json}, ${run.files.markdown}, ${run.files.svg}`);
}

await main();
