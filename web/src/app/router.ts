/** A tiny History-API router: the app has four screens, which does not justify a routing library. */
import { useEffect, useState } from "react";

const NAVIGATE = "fleet-rlm:navigate";

/** Goes to `path` (pushing a history entry) and tells every {@link usePath} hook. */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (path === location.pathname) return;
  if (options.replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  window.dispatchEvent(new Event(NAVIGATE));
}

/** The current path; re-renders on navigation and on back/forward. */
export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    window.addEventListener("popstate", update);
    window.addEventListener(NAVIGATE, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(NAVIGATE, update);
    };
  }, []);
  return path;
}

/** The screens and their parameters. */
export type Route =
  | { page: "chat"; sessionId: string | null }
  | { page: "documents" }
  | { page: "settings" }
  | { page: "not_found" };

/** Parses a path into a {@link Route}. */
export function parseRoute(path: string): Route {
  if (path === "/" || path === "") return { page: "chat", sessionId: null };
  const session = /^\/sessions\/([0-9a-f-]{36})\/?$/i.exec(path);
  if (session?.[1]) return { page: "chat", sessionId: session[1] };
  if (path === "/documents") return { page: "documents" };
  if (path === "/settings") return { page: "settings" };
  return { page: "not_found" };
}
