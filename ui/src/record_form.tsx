// Adding a record: checked as you type (validate.ts), then by the server; a 422 is shown next
// to the field it names (the content when it names none).

import { useState } from "preact/hooks";

import { ApiError, Session, call } from "./api";
import {
  ALIAS_EXPLANATION,
  CONTENT_HINTS,
  RECORD_TYPES,
  checkContent,
  checkName,
  checkTtl,
  presentContent,
} from "./validate";

type Field = "name" | "type" | "ttl" | "content";

export function RecordForm(props: { session: Session; zone: string; onSaved: (what: string) => void }) {
  const [name, setName] = useState("@");
  const [type, setType] = useState("A");
  const [ttl, setTtl] = useState("300");
  const [content, setContent] = useState("");
  const [touched, setTouched] = useState(false);
  const [server, setServer] = useState<{ field: Field; message: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const local: Record<Field, string | null> = {
    name: checkName(name),
    type: null,
    ttl: checkTtl(ttl),
    content: touched || content ? checkContent(type, content) : null,
  };
  const errorOf = (field: Field) =>
    local[field] ?? (server && server.field === field ? server.message : null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setTouched(true);
    if (checkName(name) || checkTtl(ttl) || checkContent(type, content)) return;
    setBusy(true);
    setServer(null);
    try {
      await call(props.session.key, "POST", `/v1/zones/${encodeURIComponent(props.zone)}/records`, {
        body: { name: name.trim() || "@", type, ttl: Number(ttl), content: presentContent(type, content) },
      });
      props.onSaved(`Added ${type} ${name.trim() || "@"}.`);
      setContent("");
      setTouched(false);
    } catch (e) {
      const err = e as ApiError;
      const field = (["name", "type", "ttl", "content"] as Field[]).includes(err.field as Field)
        ? (err.field as Field)
        : "content";
      setServer({ field, message: `${err.message} (HTTP ${err.status})` });
    } finally {
      setBusy(false);
    }
  };

  const described = (field: Field, help?: string) =>
    [errorOf(field) ? `add-${field}-error` : null, help].filter(Boolean).join(" ") || undefined;
  const fieldError = (field: Field) =>
    errorOf(field) && (
      <p id={`add-${field}-error`} class="error" role="alert">
        {errorOf(field)}
      </p>
    );

  return (
    <form class="card record-form" onSubmit={submit} noValidate aria-labelledby="add-title">
      <h2 id="add-title">Add a record</h2>
      <div class="fields">
        <div>
          <label for="add-name">Name</label>
          <input
            id="add-name"
            value={name}
            autocomplete="off"
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
            aria-invalid={errorOf("name") ? "true" : undefined}
            aria-describedby={described("name", "add-name-help")}
          />
          <p id="add-name-help" class="help">
            @ for {props.zone}, or a name in it
          </p>
          {fieldError("name")}
        </div>
        <div>
          <label for="add-type">Type</label>
          <select
            id="add-type"
            value={type}
            onChange={(e) => setType((e.target as HTMLSelectElement).value)}
            aria-describedby={type === "ALIAS" ? "alias-explanation" : undefined}
          >
            {RECORD_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
          {fieldError("type")}
        </div>
        <div>
          <label for="add-ttl">TTL (seconds)</label>
          <input
            id="add-ttl"
            inputMode="numeric"
            value={ttl}
            onInput={(e) => setTtl((e.target as HTMLInputElement).value)}
            aria-invalid={errorOf("ttl") ? "true" : undefined}
            aria-describedby={described("ttl")}
          />
          {fieldError("ttl")}
        </div>
        <div class="wide">
          <label for="add-content">Content</label>
          <input
            id="add-content"
            value={content}
            autocomplete="off"
            onInput={(e) => {
              setContent((e.target as HTMLInputElement).value);
              setServer(null);
            }}
            aria-invalid={errorOf("content") ? "true" : undefined}
            aria-describedby={described("content", "add-content-help")}
          />
          <p id="add-content-help" class="help">
            {CONTENT_HINTS[type] ?? "The record's data in zone-file form"}
          </p>
          {fieldError("content")}
        </div>
      </div>
      {type === "ALIAS" && (
        <p id="alias-explanation" class="explain">
          {ALIAS_EXPLANATION}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {busy ? "Saving…" : "Add record"}
      </button>
    </form>
  );
}
