/**
 * What `test/global-setup.ts` provides to the workerd tests, for `inject()`. Declared again here because the setup
 * file belongs to the Node tsconfig, outside this project's.
 */
export {};

declare module "vitest" {
  export interface ProvidedContext {
    /** A database of its own with a small connection limit, for `db-burst.test.ts`. */
    burstDatabase: { url: string; wsProxy: string };
  }
}
