// The record table of one zone: every record with edit (content and TTL, in place) and delete
// (confirmed in place), through the records API, whose ids name owner, type and content.

import { useEffect, useState } from "preact/hooks";

import { ApiError, DnsRecord, Session, call, listRecords } from "./api";
import { RecordForm } from "./record_form";
import { checkContent, checkTtl, presentContent } from "./validate";
import { ErrorText, StatusText } from "./messages";

function RecordRow(props: {
  session: Session;
  zone: string;
  record: DnsRecord;
  onChanged: (what: string) => void;
}) {
  const { record } = props;
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [content, setContent] = useState(record.content);
  const [ttl, setTtl] = useState(String(record.ttl));
  const [error, setError] = useState<string | null>(null);
  const path = `/v1/zones/${encodeURIComponent(props.zone)}/records/${record.id}`;
  const label = `${record.name} ${record.type} ${record.content}`;

  const save = async (event: Event) => {
    event.preventDefault();
    const problem = checkTtl(ttl) ?? checkContent(record.type, content);
    if (problem) {
      setError(problem);
      return;
    }
    try {
      await call(props.session.key, "PUT", path, {
        body: { content: presentContent(record.type, content), ttl: Number(ttl) },
      });
      setEditing(false);
      props.onChanged(`Saved ${record.name} ${record.type}.`);
    } catch (e) {
      const err = e as ApiError;
      setError(`${err.message} (HTTP ${err.status})`);
    }
  };

  const remove = async () => {
    try {
      await call(props.session.key, "DELETE", path);
      props.onChanged(`Deleted ${record.name} ${record.type} ${record.content}.`);
    } catch (e) {
      setError((e as ApiError).message);
    }
  };

  if (editing) {
    const errorId = `edit-error-${record.id}`;
    return (
      <tr data-record={label}>
        <th scope="row">{record.name}</th>
        <td>{record.type}</td>
        <td colSpan={3}>
          <form class="inline" onSubmit={save} noValidate aria-label={`Edit ${label}`}>
            <label>
              TTL
              <input
                class="ttl"
                inputMode="numeric"
                value={ttl}
                onInput={(e) => setTtl((e.target as HTMLInputElement).value)}
              />
            </label>
            <label>
              Content
              <input
                value={content}
                onInput={(e) => setContent((e.target as HTMLInputElement).value)}
                aria-invalid={error ? "true" : undefined}
                aria-describedby={error ? errorId : undefined}
              />
            </label>
            <button type="submit">Save</button>
            <button type="button" onClick={() => setEditing(false)}>
              Cancel
            </button>
            <ErrorText text={error} id={errorId} />
          </form>
        </td>
      </tr>
    );
  }
  return (
    <tr data-record={label}>
      <th scope="row">{record.name}</th>
      <td>
        <span class={record.type === "ALIAS" ? "badge alias" : undefined}>{record.type}</span>
      </td>
      <td>{record.ttl}</td>
      <td class="content">{record.content}</td>
      <td class="actions">
        {confirming ? (
          <>
            <button type="button" class="danger" onClick={remove}>
              Delete it
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </>
        ) : (
          <>
            {record.type !== "SOA" && (
              <button type="button" aria-label={`Edit ${label}`} onClick={() => setEditing(true)}>
                Edit
              </button>
            )}
            {record.type !== "SOA" && (
              <button type="button" aria-label={`Delete ${label}`} onClick={() => setConfirming(true)}>
                Delete
              </button>
            )}
          </>
        )}
        {error && !editing && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </td>
    </tr>
  );
}

export function RecordTable(props: { session: Session; zone: string }) {
  const [records, setRecords] = useState<DnsRecord[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);

  const load = async () => {
    try {
      setRecords(await listRecords(props.session.key, props.zone));
      setError(null);
    } catch (e) {
      setError(`Could not read the records of ${props.zone}: ${(e as ApiError).message}`);
    }
  };
  useEffect(() => {
    load();
  }, [props.zone, props.session.key]);

  const changed = (what: string) => {
    setStatus(what);
    load();
  };

  return (
    <>
      <StatusText text={status} />
      <ErrorText text={error} />
      {records === null && !error && <p>Loading records…</p>}
      {records && (
        <div class="table-wrap">
          <table class="records">
            <caption class="visually-hidden">Records of {props.zone}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">TTL</th>
                <th scope="col">Content</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {records.map((record) => (
                <RecordRow
                  key={record.id}
                  session={props.session}
                  zone={props.zone}
                  record={record}
                  onChanged={changed}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <RecordForm session={props.session} zone={props.zone} onSaved={changed} />
    </>
  );
}
