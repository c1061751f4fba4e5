/** The shell: skip link, header navigation, and the screen for the current route (or sign-in). */
import type { MouseEvent } from "react";
import { ChatPage } from "../pages/chat-page";
import { DocumentsPage } from "../pages/documents-page";
import { SettingsPage } from "../pages/settings-page";
import { SignInPage } from "../pages/sign-in";
import { AuthProvider, useAuth } from "./auth-context";
import { navigate, parseRoute, usePath } from "./router";
import { useTheme } from "./theme";

const NAV = [
  { path: "/", label: "Chat", page: "chat" },
  { path: "/documents", label: "Documents", page: "documents" },
  { path: "/settings", label: "Settings", page: "settings" },
] as const;

function follow(event: MouseEvent<HTMLAnchorElement>) {
  // Let modified clicks open new tabs as usual.
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  navigate(event.currentTarget.pathname);
}

function Shell() {
  const { me, loading, signOut } = useAuth();
  const [theme, setTheme] = useTheme();
  const route = parseRoute(usePath());
  if (loading) return <p className="muted boot">Loading…</p>;
  if (!me) return <SignInPage />;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <a href="/" className="brand" onClick={follow}>
          fleet-rlm
        </a>
        <nav aria-label="Main">
          {NAV.map((item) => (
            <a
              key={item.path}
              href={item.path}
              onClick={follow}
              aria-current={route.page === item.page ? "page" : undefined}
            >
              {item.label}
            </a>
          ))}
        </nav>
        <span className="spacer" />
        <span
          className="whoami"
          title={`${me.user?.email ?? "API key"} · ${me.tenant.name} (${me.tenant.slug}) · ${me.plan} plan`}
        >
          <span className="who">{me.user ? (me.user.name ?? me.user.email) : "API key"}</span>
          <span className="muted">
            {me.tenant.name} · <span className="plan">{me.plan}</span>
          </span>
        </span>
        <button
          type="button"
          className="icon"
          aria-label={`Theme: ${theme}. Switch theme`}
          onClick={() => setTheme(theme === "dark" ? "light" : theme === "light" ? "system" : "dark")}
        >
          {theme === "dark" ? "☾" : theme === "light" ? "☀" : "◐"}
        </button>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      {route.page === "chat" && <ChatPage sessionId={route.sessionId} />}
      {route.page === "documents" && <DocumentsPage />}
      {route.page === "settings" && <SettingsPage theme={theme} onTheme={setTheme} />}
      {route.page === "not_found" && (
        <main id="main" className="page">
          <h1>Not found</h1>
          <p>
            There is nothing at this address.{" "}
            <a href="/" onClick={follow}>
              Back to chat
            </a>
            .
          </p>
        </main>
      )}
    </>
  );
}

/** The whole app. */
export function App() {
  return (
    <AuthProvider>
      <Shell />
    </AuthProvider>
  );
}
