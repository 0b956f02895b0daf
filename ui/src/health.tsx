// ALIAS health: one row per ALIAS and address type, as a query would be answered right now
// (the alias-status endpoint runs the query path's flattening): the addresses, where they came
// from, the TTL left, the age of the last good answer, the upstream, and the last error on a
// line of its own under the row.
// Stale and failing rows stand out by a word and an icon, not by colour alone.

import { useEffect, useState } from "preact/hooks";

import { AliasReport, ApiError, Session, TypeStatus, call, zonePath } from "./api";
import { ErrorText } from "./messages";

/** How many (ALIAS, type) rows are fine, stale and failing. */
export function summarize(report: AliasReport): { ok: number; stale: number; failed: number } {
  const rows = report.aliases.flatMap((a) => a.types);
  return {
    ok: rows.filter((r) => r.status === "ok" || r.status === "empty").length,
    stale: rows.filter((r) => r.status === "stale").length,
    failed: rows.filter((r) => r.status === "failed").length,
  };
}

const STATUS_TEXT: Record<TypeStatus["status"], string> = {
  ok: "✓ resolving",
  empty: "✓ no addresses of this type",
  stale: "⚠ stale: upstreams failing",
  failed: "✗ failing",
};

function ago(seconds: number | null): string {
  if (seconds === null) return "never";
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

export function AliasHealth(props: { session: Session; zone: string }) {
  const [report, setReport] = useState<AliasReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(true);
  const [checked, setChecked] = useState<Date | null>(null);

  const load = async () => {
    try {
      setReport(await call<AliasReport>(props.session.key, "GET", zonePath(props.zone, "/alias-status")));
      setChecked(new Date());
      setError(null);
    } catch (e) {
      setError(`Could not read the ALIAS status: ${(e as ApiError).message}`);
    }
  };
  useEffect(() => {
    load();
    if (!live) return;
    const timer = setInterval(load, 5000);
    return () => clearInterval(timer);
  }, [props.zone, props.session.key, live]);

  const counts = report && summarize(report);
  return (
    <>
      <div class="toolbar">
        <label class="check">
          <input type="checkbox" checked={live} onChange={() => setLive(!live)} />
          Live (every 5 s)
        </label>
        <button type="button" onClick={load}>
          Check now
        </button>
        <span class="help" aria-live="polite">
          {checked && `Checked at ${checked.toLocaleTimeString()}`}
          {counts && ` · ${counts.ok} resolving, ${counts.stale} stale, ${counts.failed} failing`}
        </span>
      </div>
      <ErrorText text={error} />
      {report && report.aliases.length === 0 && (
        <p>This zone has no ALIAS records. Add one on the Records tab (type ALIAS).</p>
      )}
      {report && report.aliases.length > 0 && (
        <div class="table-wrap">
          <table class="health">
            <caption class="visually-hidden">ALIAS health of {props.zone}</caption>
            <thead>
              <tr>
                <th scope="col">ALIAS → target</th>
                <th scope="col">Type</th>
                <th scope="col">Status</th>
                <th scope="col">Addresses</th>
                <th scope="col">Source</th>
                <th scope="col">TTL left</th>
                <th scope="col">Last good answer</th>
                <th scope="col">Upstream</th>
              </tr>
            </thead>
            <tbody>
              {report.aliases.flatMap((alias) =>
                alias.types.flatMap((row) => {
                  const id = `${alias.owner} ${row.type}`;
                  const cells = (
                    <tr
                      key={id}
                      class={`row-${row.status}`}
                      data-owner={alias.owner}
                      data-type={row.type}
                      data-status={row.status}
                    >
                      <th scope="row">
                        {alias.owner} → <span class="target">{alias.target}</span>
                      </th>
                      <td>{row.type}</td>
                      <td>
                        <span class={`badge ${row.status}`}>{STATUS_TEXT[row.status]}</span>
                      </td>
                      <td class="addresses">{row.addresses.join(" ") || "—"}</td>
                      <td>{row.source}</td>
                      <td>{row.ttl_left === null ? "—" : `${row.ttl_left} s`}</td>
                      <td>{ago(row.age_s)}</td>
                      <td class="content" title={row.upstream ?? undefined}>
                        {row.upstream?.replace(/^https?:\/\//, "") ?? "—"}
                      </td>
                    </tr>
                  );
                  if (!row.error) return [cells];
                  // The last error gets a line of its own, under its row, at full width.
                  return [
                    cells,
                    <tr key={`${id} error`} class={`row-${row.status} error-row`} data-error-for={id}>
                      <td colSpan={8}>
                        <strong>Last error ({row.type}):</strong> {row.error}
                      </td>
                    </tr>,
                  ];
                }),
              )}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
