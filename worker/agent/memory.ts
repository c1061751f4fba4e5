/**
 * Core memory: three named text blocks the agent keeps across turns (who it is, who the user is, what it is doing),
 * each with a size limit so memory can never crowd the context window. Pure: storage is the caller's.
 */

/** Block names with their limits (characters) and starting text. */
export const MEMORY_BLOCKS = {
  persona: {
    limit: 2_000,
    initial: "I am fleet-rlm's assistant. I answer precisely and delegate long-context work to recursive RLM runs.",
  },
  human: { limit: 2_000, initial: "" },
  scratchpad: { limit: 1_000, initial: "" },
} as const;

export type MemoryBlock = keyof typeof MEMORY_BLOCKS;
export type CoreMemory = Record<MemoryBlock, string>;

export const MEMORY_BLOCK_NAMES = Object.keys(MEMORY_BLOCKS) as MemoryBlock[];

/** Memory as a new session starts it. */
export function defaultMemory(): CoreMemory {
  return { persona: MEMORY_BLOCKS.persona.initial, human: MEMORY_BLOCKS.human.initial, scratchpad: "" };
}

/** Stored blocks over the defaults; unknown keys in storage are ignored. */
export function loadMemory(stored: Record<string, string> | null): CoreMemory {
  const memory = defaultMemory();
  for (const name of MEMORY_BLOCK_NAMES) {
    const value = stored?.[name];
    if (typeof value === "string") memory[name] = value.slice(0, MEMORY_BLOCKS[name].limit);
  }
  return memory;
}

export type MemoryWrite =
  | { status: "written"; memory: CoreMemory; chars: number }
  | { status: "refused"; message: string };

/** Replaces or appends to a block; refused (with a message the model can act on) when it would pass the limit. */
export function writeMemory(
  memory: CoreMemory,
  block: MemoryBlock,
  content: string,
  mode: "replace" | "append",
): MemoryWrite {
  const next = mode === "append" && memory[block] ? `${memory[block]}\n${content}` : content;
  const { limit } = MEMORY_BLOCKS[block];
  if (next.length > limit) {
    return {
      status: "refused",
      message: `The ${block} block holds at most ${limit} characters; this write would make it ${next.length}. Summarise it and write with mode "replace".`,
    };
  }
  return { status: "written", memory: { ...memory, [block]: next }, chars: next.length };
}

/** The blocks as the system prompt shows them, each in its own tag with its fill level. */
export function renderMemory(memory: CoreMemory): string {
  return MEMORY_BLOCK_NAMES.map((name) => {
    const text = memory[name] || "(empty)";
    return `<${name} chars="${memory[name].length}/${MEMORY_BLOCKS[name].limit}">\n${text}\n</${name}>`;
  }).join("\n");
}
