// The dashboard's only back-end: flatapex's own APIs on the same origin (the PowerDNS v1 API,
// the records API and DoH's JSON API). Every failure becomes an ApiError with a sentence a
// person can act on; a 401 while signed in ends the session (see main.tsx).

/** The API key and when this browser session stops using it. */
export interface Session {
  key: string;
  expires: number;
}

const SESSION_ITEM = "flatapex.session";
/** How long a sign-in lasts in this tab before the key must be given again. */
export const SESSION_HOURS = 12;

/** The session in this tab's session storage, "expired", or null when signed out. */
export function loadSession(now = Date.now()): Session | "expired" | null {
  const raw = sessionStorage.getItem(SESSION_ITEM);
  if (!raw) return null;
  try {
    const session = JSON.parse(raw) as Session;
    if (typeof session.key !== "string" || typeof session.expires !== "number") return null;
    if (session.expires <= now) {
      sessionStorage.removeItem(SESSION_ITEM);
      return "expired";
    }
    return session;
  } catch {
    sessionStorage.removeItem(SESSION_ITEM);
    return null;
  }
}

export function saveSession(key: string): Session {
  const session = { key, expires: Date.now() + SESSION_HOURS * 3600_000 };
  sessionStorage.setItem(SESSION_ITEM, JSON.stringify(session));
  return session;
}

export function clearSession(): void {
  sessionStorage.removeItem(SESSION_ITEM);
}

/** One line of a zone file the server refused, as the import endpoint reports it. */
export interface LineError {
  line: number;
  message: string;
}

/** A request the server refused, or could not be made. `status` 0: no answer at all. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
    readonly lines: LineError[] = [],
  ) {
    super(message);
  }
}

/** Fired on window when the server refuses the session's key (HTTP 401). */
export const REJECTED_EVENT = "flatapex-key-rejected";

/** The error body of either API: PowerDNS's {error, errors} or the records API's envelope. */
function readError(status: number, text: string): ApiError {
  let message = text.trim() || `HTTP ${status}`;
  let field: string | undefined;
  let lines: LineError[] = [];
  try {
    const body = JSON.parse(text);
    if (body && typeof body.error === "string") {
      message = body.error;
      if (Array.isArray(body.errors)) lines = body.errors;
    } else if (body && body.error && typeof body.error.message === "string") {
      message = body.error.message;
      field = body.error.field;
    }
  } catch {
    // Not JSON (a proxy's error page): the text is the best reason there is.
  }
  return new ApiError(status, message, field, lines);
}

export interface CallOptions {
  body?: unknown;
  /** Send the body as this content type instead of JSON. */
  contentType?: string;
  accept?: string;
  /** Resolve with the body text instead of JSON. */
  text?: boolean;
}

/** Calls the API at `path` with the session's key. */
export async function call<T>(
  key: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { "X-API-Key": key };
  let body: string | undefined;
  if (options.body !== undefined) {
    headers["Content-Type"] = options.contentType ?? "application/json";
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
  }
  headers["Accept"] = options.accept ?? "application/json";
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body, cache: "no-store" });
  } catch (e) {
    throw new ApiError(0, `Cannot reach flatapex at ${location.origin}: ${(e as Error).message}`);
  }
  const text = await response.text();
  if (!response.ok) {
    const error = readError(response.status, text);
    if (response.status === 401) {
      window.dispatchEvent(new CustomEvent(REJECTED_EVENT, { detail: error.message }));
    }
    throw error;
  }
  if (options.text) return text as T;
  return (text ? JSON.parse(text) : undefined) as T;
}

/** The PowerDNS API path of zone `id` (ids keep their trailing dot), plus `rest`. */
export function zonePath(id: string, rest = ""): string {
  return `/api/v1/servers/localhost/zones/${encodeURIComponent(id)}${rest}`;
}

export interface ZoneSummary {
  id: string;
  name: string;
  serial: number;
  record_count?: number;
  alias_count?: number;
}

export interface DnsRecord {
  id: string;
  name: string;
  type: string;
  content: string;
  ttl: number;
}

export interface RecordPage {
  status: string;
  data: { records: DnsRecord[]; pagination?: { total_pages: number } };
}

export interface TypeStatus {
  type: string;
  status: "ok" | "empty" | "stale" | "failed";
  addresses: string[];
  source: string;
  ttl_left: number | null;
  age_s: number | null;
  upstream: string | null;
  error: string | null;
}

export interface AliasStatus {
  owner: string;
  target: string;
  ttl: number;
  types: TypeStatus[];
}

export interface AliasReport {
  zone: string;
  now_ms: number;
  aliases: AliasStatus[];
}

/** Every record of a zone through the records API, page by page. */
export async function listRecords(key: string, zone: string): Promise<DnsRecord[]> {
  const records: DnsRecord[] = [];
  for (let page = 1; ; page++) {
    const path = `/v1/zones/${encodeURIComponent(zone)}/records?per_page=1000&page=${page}`;
    const reply = await call<RecordPage>(key, "GET", path);
    records.push(...reply.data.records);
    const pages = reply.data.pagination?.total_pages ?? 1;
    if (page >= pages) return records;
  }
}
