/** Core-memory tools: the agent reads and edits its persona, human and scratchpad blocks. */
import { z } from "zod";
import { type CoreMemory, MEMORY_BLOCK_NAMES, type MemoryBlock, renderMemory, writeMemory } from "../memory";
import { type AgentTool, defineTool } from "../tool";

/** Where the blocks live between calls; the session stores them durably. */
export interface MemoryStore {
  read(): CoreMemory;
  write(memory: CoreMemory): void;
}

const Block = z.enum(MEMORY_BLOCK_NAMES as [MemoryBlock, ...MemoryBlock[]]);

export function memoryTools(store: MemoryStore): AgentTool[] {
  return [
    defineTool({
      name: "memory_read",
      description: "Read core memory: one block (persona, human, scratchpad) or all of them.",
      schema: z.object({ block: Block.optional() }),
      async run(args) {
        const memory = store.read();
        return { ok: true, output: args.block ? memory[args.block] || "(empty)" : renderMemory(memory) };
      },
    }),
    defineTool({
      name: "memory_write",
      description: "Replace or append to a core memory block. Blocks have size limits; summarise rather than grow.",
      schema: z.object({
        block: Block,
        content: z.string().max(2_000),
        mode: z.enum(["replace", "append"]).default("append"),
      }),
      async run(args) {
        const result = writeMemory(store.read(), args.block, args.content, args.mode);
        if (result.status === "refused") return { ok: false, output: `[ERROR] ${result.message}` };
        store.write(result.memory);
        return {
          ok: true,
          output: `Saved: ${args.block} now holds ${result.chars} characters.`,
          data: { block: args.block, chars: result.chars },
        };
      },
    }),
  ];
}
