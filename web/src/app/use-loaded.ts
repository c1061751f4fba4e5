/** The load-on-mount, reload-on-demand state every list on the settings and documents pages shares. */
import { useCallback, useEffect, useState } from "react";

export interface Loaded<T> {
  /** The last loaded value; null until the first load answers. */
  data: T | null;
  /** The last failure (of the load, or whatever the screen reports through `setError`). */
  error: unknown;
  setError(error: unknown): void;
  /** Loads again; the answer replaces `data`, a failure sets `error`. */
  reload(): void;
}

/**
 * Calls `load` on mount, and again whenever its identity changes or `reload` is called. Pass a stable function: a
 * module-level one, or `useCallback` over the values it reads.
 * @example const { data: keys, error, setError, reload } = useLoaded(listApiKeys);
 */
export function useLoaded<T>(load: () => Promise<T>): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const reload = useCallback(() => {
    load().then(setData, setError);
  }, [load]);
  useEffect(() => reload(), [reload]);
  return { data, error, setError, reload };
}
