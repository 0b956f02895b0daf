// Import (paste or upload a BIND zone file; the server checks it as `flatapex check` does and
// names every bad line) and export (the zone file, ALIAS unflattened, downloaded).

import { useState } from "preact/hooks";

import { ApiError, LineError, Session, call, zonePath } from "./api";

interface Imported {
  serial: number;
  record_count: number;
  alias_count: number;
  warnings: string[];
}

export function ImportExport(props: { session: Session; zone: string }) {
  const { session, zone } = props;
  const [text, setText] = useState("");
  const [errors, setErrors] = useState<LineError[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const [result, setResult] = useState<Imported | null>(null);
  const [download, setDownload] = useState<string | null>(null);

  const upload = async (event: Event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file) setText(await file.text());
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setErrors([]);
    setResult(null);
    if (!text.trim()) {
      setMessage("Paste a zone file or choose one to upload first.");
      return;
    }
    setMessage(null);
    try {
      setResult(
        await call<Imported>(session.key, "PUT", zonePath(zone, "/import"), {
          body: text,
          contentType: "text/plain; charset=utf-8",
        }),
      );
    } catch (e) {
      const err = e as ApiError;
      setErrors(err.lines);
      setMessage(
        err.lines.length
          ? `The zone file was not imported; nothing changed. ${err.lines.length} line(s) to fix:`
          : `The zone file was not imported; nothing changed: ${err.message}`,
      );
    }
  };

  const exportZone = async () => {
    try {
      const zoneText = await call<string>(session.key, "GET", zonePath(zone, "/export"), {
        accept: "text/plain",
        text: true,
      });
      if (download) URL.revokeObjectURL(download);
      const url = URL.createObjectURL(new Blob([zoneText], { type: "text/dns" }));
      setDownload(url);
      const link = document.createElement("a");
      link.href = url;
      link.download = `${zone.replace(/\.$/, "")}.zone`;
      link.click();
    } catch (e) {
      setMessage(`Could not export ${zone}: ${(e as ApiError).message}`);
    }
  };

  return (
    <>
      <form class="card" onSubmit={submit} noValidate aria-labelledby="import-title">
        <h2 id="import-title">Import a zone file</h2>
        <p class="help">
          The file replaces every record of {zone}. It is checked exactly as{" "}
          <code>flatapex check</code> checks it; if any line is wrong, nothing changes.
        </p>
        <label for="zone-file">Upload a file</label>
        <input id="zone-file" type="file" accept=".zone,.db,.txt,text/*" onChange={upload} />
        <label for="zone-text">Zone file text</label>
        <textarea
          id="zone-text"
          rows={12}
          spellcheck={false}
          value={text}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          aria-describedby={message ? "import-message" : undefined}
        />
        {message && (
          <div id="import-message" class="error" role="alert">
            <p>{message}</p>
            {errors.length > 0 && (
              <ul class="line-errors">
                {errors.map((e) => (
                  <li key={`${e.line} ${e.message}`}>
                    <strong>line {e.line}:</strong> {e.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        {result && (
          <div class="ok-box" role="status">
            <p>
              Imported: serial {result.serial}, {result.record_count} records, {result.alias_count} ALIAS.
            </p>
            {result.warnings.length > 0 && (
              <ul>
                {result.warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            )}
          </div>
        )}
        <button type="submit">Import and replace</button>
      </form>
      <div class="card">
        <h2>Export</h2>
        <p class="help">The zone as a BIND zone file, with ALIAS records as written (not flattened).</p>
        <button type="button" onClick={exportZone}>
          Download {zone.replace(/\.$/, "")}.zone
        </button>
      </div>
    </>
  );
}
