// The query tester: a name and a type through DoH's JSON API on this origin, answered exactly
// as a resolver is answered (ALIAS flattened), with the `flatapex-alias` provenance header and
// the server's timing. It needs no key: DoH is public.

import { useState } from "preact/hooks";
import { ErrorText } from "./messages";

const TYPES: Record<number, string> = {
  1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA", 33: "SRV",
  43: "DS", 46: "RRSIG", 47: "NSEC", 48: "DNSKEY", 52: "TLSA", 64: "SVCB", 65: "HTTPS", 257: "CAA",
};
const RCODES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"];
const QUERY_TYPES = ["A", "AAAA", "MX", "TXT", "NS", "SOA", "CNAME", "SRV", "CAA", "HTTPS", "ANY"];
/** Where DoH answers (the `doh_path` setting's default). */
export const DOH_PATH = "/dns-query";

interface JsonRecord {
  name: string;
  type: number;
  TTL: number;
  data: string;
}

interface JsonAnswer {
  Status: number;
  TC: boolean;
  AD: boolean;
  Answer?: JsonRecord[];
  Authority?: JsonRecord[];
  Comment?: string;
}

interface Result {
  answer: JsonAnswer;
  alias: string | null;
  timing: string | null;
  url: string;
}

function Section(props: { title: string; records?: JsonRecord[] }) {
  if (!props.records?.length) return null;
  return (
    <div class="table-wrap">
      <table>
        <caption>{props.title}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Type</th>
            <th scope="col">TTL</th>
            <th scope="col">Data</th>
          </tr>
        </thead>
        <tbody>
          {props.records.map((r, i) => (
            <tr key={i}>
              <td>{r.name}</td>
              <td>{TYPES[r.type] ?? `TYPE${r.type}`}</td>
              <td>{r.TTL}</td>
              <td class="content">{r.data}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function QueryTester(props: { zone: string }) {
  const [name, setName] = useState(props.zone);
  const [type, setType] = useState("A");
  const [result, setResult] = useState<Result | null>(null);
  const [error, setError] = useState<string | null>(null);

  const ask = async (event: Event) => {
    event.preventDefault();
    setError(null);
    const url = `${DOH_PATH}?name=${encodeURIComponent(name.trim())}&type=${type}`;
    try {
      const response = await fetch(url, { headers: { accept: "application/dns-json" }, cache: "no-store" });
      const body = await response.text();
      if (!response.ok) {
        setResult(null);
        setError(`DoH answered HTTP ${response.status}: ${body.trim()}`);
        return;
      }
      setResult({
        answer: JSON.parse(body),
        alias: response.headers.get("flatapex-alias"),
        timing: response.headers.get("server-timing"),
        url,
      });
    } catch (e) {
      setResult(null);
      setError(`Could not query DoH at ${location.origin}${DOH_PATH}: ${(e as Error).message}`);
    }
  };

  const answer = result?.answer;
  return (
    <>
      <form class="card inline-form" onSubmit={ask} aria-labelledby="query-title">
        <h2 id="query-title">Ask flatapex as a resolver would</h2>
        <label for="query-name">Name</label>
        <input id="query-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <label for="query-type">Type</label>
        <select id="query-type" value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value)}>
          {QUERY_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <button type="submit">Query</button>
      </form>
      <ErrorText text={error} />
      {answer && result && (
        <section class="card" aria-live="polite" aria-label="Answer">
          <p>
            <strong class="rcode" data-rcode={RCODES[answer.Status] ?? answer.Status}>
              {RCODES[answer.Status] ?? `RCODE ${answer.Status}`}
            </strong>
            {answer.TC && " · truncated"}
            {answer.AD && " · authenticated data"}
            {result.timing && ` · ${result.timing}`}
          </p>
          <p class="help">
            <code>GET {result.url}</code>
          </p>
          {!answer.Answer?.length && <p>No records in the answer section.</p>}
          <Section title="Answer" records={answer.Answer} />
          <Section title="Authority" records={answer.Authority} />
          {answer.Comment && <p class="explain">{answer.Comment}</p>}
          {result.alias && (
            <p class="provenance">
              <strong>flatapex-alias:</strong> <code>{result.alias}</code>
            </p>
          )}
        </section>
      )}
    </>
  );
}
