// One zone: its tabs (records, ALIAS health, import and export, the query tester).

import { Session } from "./api";
import { AliasHealth } from "./health";
import { ImportExport } from "./import_export";
import { QueryTester } from "./query";
import { RecordTable } from "./records";

const TABS: [string, string][] = [
  ["records", "Records"],
  ["health", "ALIAS health"],
  ["import", "Import and export"],
  ["query", "Query tester"],
];

export function ZoneView(props: { session: Session; zone: string; tab: string }) {
  const { session, zone, tab } = props;
  const base = `#/zones/${encodeURIComponent(zone)}`;
  return (
    <section aria-labelledby="zone-title">
      <p class="crumbs">
        <a href="#/">Zones</a> /
      </p>
      <h1 id="zone-title">{zone}</h1>
      <nav class="tabs" aria-label="Zone views">
        {TABS.map(([id, label]) => (
          <a key={id} href={`${base}/${id}`} aria-current={tab === id ? "page" : undefined}>
            {label}
          </a>
        ))}
      </nav>
      {tab === "health" ? (
        <AliasHealth session={session} zone={zone} />
      ) : tab === "import" ? (
        <ImportExport session={session} zone={zone} />
      ) : tab === "query" ? (
        <QueryTester zone={zone} />
      ) : (
        <RecordTable session={session} zone={zone} />
      )}
    </section>
  );
}
