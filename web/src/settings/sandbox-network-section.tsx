/** Sandbox network on the settings page: the hosts model-written code may reach, none by default; admins edit. */
import { type FormEvent, useEffect, useState } from "react";
import { getSandboxSettings, saveSandboxSettings } from "../api/sandbox-settings";
import { useLoaded } from "../app/use-loaded";
import { ErrorNotice } from "../components/error-notice";

/** One host per line (or comma-separated), as an admin types them. */
function parseHosts(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((h) => h.trim())
    .filter(Boolean);
}

export function SandboxNetworkSection({ admin }: { admin: boolean }) {
  const { data, error, setError } = useLoaded(getSandboxSettings);
  const [text, setText] = useState("");
  const [saved, setSaved] = useState<string[] | null>(null);
  const [edited, setEdited] = useState(false);
  // The stored list fills the field when it arrives, unless the admin already started typing.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a new load fills the field
  useEffect(() => {
    if (data && !edited) setText(data.egressHosts.join("\n"));
  }, [data]);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setSaved(null);
    try {
      const next = await saveSandboxSettings({ egressHosts: parseHosts(text) });
      setText(next.egressHosts.join("\n"));
      setSaved(next.egressHosts);
    } catch (err) {
      setError(err);
    }
  };
  const hosts = saved ?? data?.egressHosts ?? [];
  return (
    <section aria-labelledby="sandbox-network-title" className="stack" id="sandbox-network">
      <h2 id="sandbox-network-title">Sandbox network</h2>
      <p className="muted">
        Code the models write runs with no network access. Hosts listed here become reachable from new sandboxes (for
        example a package index); everything else stays blocked.
      </p>
      {admin ? (
        <form className="card stack" onSubmit={submit}>
          <label>
            Allowed hosts <span className="muted">(one per line, e.g. pypi.org or *.example.com)</span>
            <textarea
              rows={4}
              value={text}
              onChange={(e) => {
                setEdited(true);
                setText(e.target.value);
              }}
              spellCheck={false}
            />
          </label>
          <ErrorNotice error={error} />
          {saved && <p role="status">Saved: new sandboxes get {saved.length === 0 ? "no network" : "these hosts"}.</p>}
          <button type="submit" className="primary">
            Save
          </button>
        </form>
      ) : (
        <p>{hosts.length === 0 ? "No hosts are allowed." : `Allowed: ${hosts.join(", ")}`}</p>
      )}
    </section>
  );
}
