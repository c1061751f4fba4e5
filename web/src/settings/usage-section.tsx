/**
 * Usage on the settings page: totals and the per-day chart for 7, 30 or 90 days, with the numbers as a table, and
 * the window's calls and cost per model.
 */
import { useEffect, useState } from "react";
import type { UsageReport } from "../api/types";
import { getUsage } from "../api/usage";
import { ErrorNotice } from "../components/error-notice";
import { compact, UsageChart, usd } from "./usage-chart";

const WINDOWS = [7, 30, 90] as const;

/** The section: a window picker, totals, the chart and, on request, the table. */
export function UsageSection() {
  const [days, setDays] = useState<number>(30);
  const [report, setReport] = useState<UsageReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [showTable, setShowTable] = useState(false);
  useEffect(() => {
    let live = true;
    setError(null);
    getUsage(days).then(
      (r) => live && setReport(r),
      (err) => live && setError(err),
    );
    return () => {
      live = false;
    };
  }, [days]);
  return (
    <section aria-labelledby="usage-title" className="stack" id="usage">
      <h2 id="usage-title">Usage</h2>
      <div className="row">
        <fieldset className="segmented">
          <legend>Window</legend>
          {WINDOWS.map((n) => (
            <label key={n}>
              <input type="radio" name="usage-window" checked={days === n} onChange={() => setDays(n)} />
              {n} days
            </label>
          ))}
        </fieldset>
        {report && (
          <p className="usage-totals" data-testid="usage-totals">
            <strong>{report.totals.llmCalls.toLocaleString()}</strong> LLM calls ·{" "}
            <strong>{compact(report.totals.promptTokens + report.totals.completionTokens)}</strong> tokens ·{" "}
            <strong>{usd(report.totals.costUsd)}</strong>{" "}
            <span className="muted">(UTC days, chat, tasks and runs)</span>
          </p>
        )}
      </div>
      <ErrorNotice error={error} />
      {!report && !error && <p className="muted">Loading usage…</p>}
      {report && <UsageChart days={report.days} />}
      {report && (
        <button type="button" className="link" aria-expanded={showTable} onClick={() => setShowTable((v) => !v)}>
          {showTable ? "Hide the numbers" : "Show the numbers as a table"}
        </button>
      )}
      {report && report.byModel.length > 0 && (
        <div className="table-scroll">
          <table data-testid="usage-by-model">
            <caption>By model</caption>
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">LLM calls</th>
                <th scope="col">Tokens</th>
                <th scope="col">Cost</th>
              </tr>
            </thead>
            <tbody>
              {report.byModel.map((m) => (
                <tr key={m.model}>
                  <td>
                    <code>{m.model}</code>
                  </td>
                  <td>{m.llmCalls.toLocaleString()}</td>
                  <td>{compact(m.promptTokens + m.completionTokens)}</td>
                  <td>{usd(m.costUsd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {report && showTable && (
        <div className="table-scroll">
          <table>
            <caption className="visually-hidden">Usage per day</caption>
            <thead>
              <tr>
                <th scope="col">Day (UTC)</th>
                <th scope="col">LLM calls</th>
                <th scope="col">Prompt tokens</th>
                <th scope="col">Completion tokens</th>
                <th scope="col">Cost</th>
              </tr>
            </thead>
            <tbody>
              {[...report.days].reverse().map((d) => (
                <tr key={d.day}>
                  <td>{d.day}</td>
                  <td>{d.llmCalls.toLocaleString()}</td>
                  <td>{d.promptTokens.toLocaleString()}</td>
                  <td>{d.completionTokens.toLocaleString()}</td>
                  <td>{usd(d.costUsd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
