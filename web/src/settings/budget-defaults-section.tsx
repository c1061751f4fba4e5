/** Default budgets for new messages, stored in this browser; the composer starts from them. */
import { type FormEvent, useState } from "react";
import { loadBudgetDefaults, saveBudgetDefaults } from "./budget-defaults";

function parsePositive(value: string): number | undefined {
  const n = Number(value);
  return value.trim() && Number.isFinite(n) && n > 0 ? n : undefined;
}

/** The form; blank fields mean the server's defaults. */
export function BudgetDefaultsSection() {
  const [initial] = useState(loadBudgetDefaults);
  const [llmCalls, setLlmCalls] = useState(initial.llmCalls?.toString() ?? "");
  const [costUsd, setCostUsd] = useState(initial.costUsd?.toString() ?? "");
  const [saved, setSaved] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const calls = parsePositive(llmCalls);
    const usd = parsePositive(costUsd);
    saveBudgetDefaults({
      ...(calls ? { llmCalls: Math.floor(calls) } : {}),
      ...(usd ? { costUsd: usd } : {}),
    });
    setSaved(true);
  };
  return (
    <section aria-labelledby="budget-title" className="stack" id="budgets">
      <h2 id="budget-title">Default budgets</h2>
      <p className="muted">
        The composer starts every message with these limits (kept in this browser). Blank: the server's defaults.
      </p>
      <form className="form-grid budget-form" onSubmit={submit} aria-labelledby="budget-title">
        <label>
          Default LLM calls per message
          <input
            type="number"
            min={1}
            step={1}
            value={llmCalls}
            onChange={(e) => {
              setLlmCalls(e.target.value);
              setSaved(false);
            }}
          />
        </label>
        <label>
          Default cost limit (USD)
          <input
            type="number"
            min={0.01}
            step={0.01}
            value={costUsd}
            onChange={(e) => {
              setCostUsd(e.target.value);
              setSaved(false);
            }}
          />
        </label>
        <button type="submit" className="primary">
          Save defaults
        </button>
        <span role="status" className="muted">
          {saved ? "Saved: new messages start with these limits." : ""}
        </span>
      </form>
    </section>
  );
}
