/**
 * What `test/global-setup.ts` provides to the workerd tests, for `inject()`. Declared again here because the setup
 * file belongs to the Node tsconfig, outside this project's.
 */
export {};

declare module "vitest" {
  export interface ProvidedContext {
    /** A database of its own with a small connection limit, for `db-burst.test.ts`. */
    burstDatabase: { url: string; wsProxy: string };
    /** The dev sandbox server; `snapshot` holds the current REPL server, `staleSnapshot` another version. */
    sandboxApi: { apiUrl: string; apiKey: string; isolation: string; snapshot: string; staleSnapshot: string };
  }
}
