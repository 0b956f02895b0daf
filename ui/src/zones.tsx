// The zone list: serial, record and ALIAS counts, ALIAS health, and creating and deleting zones.

import { useEffect, useState } from "preact/hooks";

import { AliasReport, ApiError, Session, ZoneSummary, call, zonePath } from "./api";
import { summarize } from "./health";
import { checkContent } from "./validate";
import { ErrorText, StatusText } from "./messages";

/** ALIAS health of one zone, as a word and a class. */
interface Health {
  text: string;
  level: "ok" | "warn" | "bad" | "none";
}

function healthOf(report: AliasReport): Health {
  const { ok, stale, failed } = summarize(report);
  if (ok + stale + failed === 0) return { text: "no ALIAS", level: "none" };
  if (failed) return { text: `${failed} failing`, level: "bad" };
  if (stale) return { text: `${stale} stale`, level: "warn" };
  return { text: `${ok} resolving`, level: "ok" };
}

export function ZoneList(props: { session: Session }) {
  const key = props.session.key;
  const [zones, setZones] = useState<ZoneSummary[] | null>(null);
  const [health, setHealth] = useState<Record<string, Health>>({});
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [nameservers, setNameservers] = useState("");
  const [nsError, setNsError] = useState<string | null>(null);
  const [createError, setCreateError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);

  const load = async () => {
    try {
      const list = await call<ZoneSummary[]>(key, "GET", "/api/v1/servers/localhost/zones");
      setZones(list);
      setError(null);
      for (const zone of list) {
        if (!zone.alias_count) continue;
        call<AliasReport>(key, "GET", zonePath(zone.id, "/alias-status"))
          .then((report) => setHealth((h) => ({ ...h, [zone.id]: healthOf(report) })))
          .catch((e: ApiError) =>
            setHealth((h) => ({ ...h, [zone.id]: { text: e.message, level: "bad" } })),
          );
      }
    } catch (e) {
      setError(`Could not list the zones: ${(e as ApiError).message}`);
    }
  };
  useEffect(() => {
    load();
  }, [key]);

  const create = async (event: Event) => {
    event.preventDefault();
    const zone = name.trim().toLowerCase().replace(/\.?$/, ".");
    const servers = nameservers.split(/[\s,]+/).filter(Boolean);
    const badServer = servers.map((s) => checkContent("NS", s)).find(Boolean);
    setCreateError(zone === "." ? "Enter the zone's name, e.g. example.com" : null);
    setNsError(
      servers.length === 0
        ? "Give at least one name server: the zone's NS records (RFC 1034 §4.2.1)"
        : (badServer ?? null),
    );
    if (zone === "." || servers.length === 0 || badServer) return;
    try {
      await call(key, "POST", "/api/v1/servers/localhost/zones", {
        body: {
          name: zone,
          kind: "Native",
          nameservers: servers.map((s) => s.replace(/\.?$/, ".")),
        },
      });
      setName("");
      setCreateError(null);
      setStatus(`Created zone ${zone}`);
      location.hash = `#/zones/${encodeURIComponent(zone)}/records`;
    } catch (e) {
      setCreateError((e as ApiError).message);
    }
  };

  const remove = async (id: string) => {
    try {
      await call(key, "DELETE", zonePath(id));
      setConfirming(null);
      setStatus(`Deleted zone ${id}`);
      await load();
    } catch (e) {
      setStatus(`Could not delete ${id}: ${(e as ApiError).message}`);
    }
  };

  return (
    <section aria-labelledby="zones-title">
      <h1 id="zones-title">Zones</h1>
      <StatusText text={status} />
      <ErrorText text={error} />
      {zones === null && !error && <p>Loading zones…</p>}
      {zones && zones.length === 0 && <p>No zones yet: create one below.</p>}
      {zones && zones.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Zone</th>
                <th scope="col">Serial</th>
                <th scope="col">Records</th>
                <th scope="col">ALIAS</th>
                <th scope="col">ALIAS health</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {zones.map((zone) => {
                const h = zone.alias_count ? health[zone.id] : { text: "no ALIAS", level: "none" };
                return (
                  <tr key={zone.id} data-zone={zone.id}>
                    <th scope="row">
                      <a href={`#/zones/${encodeURIComponent(zone.id)}/records`}>{zone.name}</a>
                    </th>
                    <td>{zone.serial}</td>
                    <td>{zone.record_count ?? "?"}</td>
                    <td>{zone.alias_count ?? "?"}</td>
                    <td>
                      {h ? <span class={`badge ${h.level}`}>{h.text}</span> : "checking…"}
                    </td>
                    <td class="actions">
                      {confirming === zone.id ? (
                        <>
                          <button type="button" class="danger" onClick={() => remove(zone.id)}>
                            Delete {zone.name} and all its records
                          </button>
                          <button type="button" onClick={() => setConfirming(null)}>
                            Keep it
                          </button>
                        </>
                      ) : (
                        <button
                          type="button"
                          aria-label={`Delete zone ${zone.name}`}
                          onClick={() => setConfirming(zone.id)}
                        >
                          Delete
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <form class="card" onSubmit={create} noValidate>
        <h2>Create a zone</h2>
        <label for="new-zone">Zone name</label>
        <input
          id="new-zone"
          value={name}
          placeholder="example.com"
          autocomplete="off"
          onInput={(e) => setName((e.target as HTMLInputElement).value)}
          aria-invalid={createError ? "true" : undefined}
          aria-describedby={createError ? "new-zone-error" : undefined}
        />
        <ErrorText text={createError} id="new-zone-error" />
        <label for="new-zone-ns">Name servers</label>
        <input
          id="new-zone-ns"
          value={nameservers}
          placeholder="ns1.example.net. ns2.example.net."
          autocomplete="off"
          onInput={(e) => setNameservers((e.target as HTMLInputElement).value)}
          aria-invalid={nsError ? "true" : undefined}
          aria-describedby={nsError ? "new-zone-ns-error" : "new-zone-ns-help"}
        />
        <p id="new-zone-ns-help" class="help">
          Host names, separated by spaces. The zone starts with an SOA and these NS records; add
          records next, or import a zone file.
        </p>
        <ErrorText text={nsError} id="new-zone-ns-error" />
        <button type="submit">Create zone</button>
      </form>
    </section>
  );
}
