/**
 * Settings: appearance, default budgets (this browser), LLM profiles, usage per day, the sandbox network, webhook
 * endpoints and API keys.
 * Writing profiles, webhooks and keys needs the `admin` scope, which owners and admins have; the API enforces it, the
 * page only hides what would be refused.
 */
import { useAuth } from "../app/auth-context";
import type { ThemeChoice } from "../app/theme";
import { ApiKeysSection } from "../settings/api-keys-section";
import { BudgetDefaultsSection } from "../settings/budget-defaults-section";
import { LlmProfilesSection } from "../settings/llm-profiles-section";
import { SandboxNetworkSection } from "../settings/sandbox-network-section";
import { UsageSection } from "../settings/usage-section";
import { WebhooksSection } from "../settings/webhooks-section";

const SECTIONS = [
  { id: "appearance", label: "Appearance" },
  { id: "budgets", label: "Default budgets" },
  { id: "llm-profiles", label: "LLM profiles" },
  { id: "usage", label: "Usage" },
  { id: "sandbox-network", label: "Sandbox network" },
  { id: "webhooks", label: "Webhooks", admin: true },
  { id: "api-keys", label: "API keys", admin: true },
] as const;

/** The settings screen. */
export function SettingsPage({ theme, onTheme }: { theme: ThemeChoice; onTheme(choice: ThemeChoice): void }) {
  const { me } = useAuth();
  const admin = me?.scopes.includes("admin") ?? false;
  const reader = admin || (me?.scopes.some((s) => s === "sessions:read" || s === "sessions:write") ?? false);
  return (
    <main id="main" className="page stack settings-page">
      <h1>Settings</h1>
      <nav aria-label="Settings sections" className="settings-nav">
        {SECTIONS.filter((s) => !("admin" in s) || admin).map((s) => (
          <a key={s.id} href={`#${s.id}`}>
            {s.label}
          </a>
        ))}
      </nav>
      <section aria-labelledby="appearance-title" className="stack" id="appearance">
        <h2 id="appearance-title">Appearance</h2>
        <fieldset className="segmented">
          <legend>Theme</legend>
          {(["system", "light", "dark"] as const).map((choice) => (
            <label key={choice}>
              <input type="radio" name="theme" checked={theme === choice} onChange={() => onTheme(choice)} />
              {choice[0]?.toUpperCase()}
              {choice.slice(1)}
            </label>
          ))}
        </fieldset>
      </section>
      <BudgetDefaultsSection />
      {reader && <LlmProfilesSection admin={admin} />}
      {reader && <UsageSection />}
      {reader && <SandboxNetworkSection admin={admin} />}
      {admin ? (
        <>
          <WebhooksSection />
          <ApiKeysSection />
        </>
      ) : (
        <p className="muted">Webhooks and API keys are managed by workspace owners and admins.</p>
      )}
    </main>
  );
}
