// Checks made as the user types, so most mistakes are named before anything is sent. The
// server's check (the rules of `flatapex check`) stays the authority: what passes here can
// still get a 422, which the form shows next to the field it names.

/** The types the record form offers; ALIAS first among the address types. */
export const RECORD_TYPES = [
  "A", "AAAA", "ALIAS", "CNAME", "MX", "TXT", "NS", "SRV", "CAA", "HTTPS", "SVCB", "TLSA", "PTR", "DS",
];

/** What each type's content looks like, shown under the content field. */
export const CONTENT_HINTS: Record<string, string> = {
  A: "An IPv4 address, e.g. 192.0.2.10",
  AAAA: "An IPv6 address, e.g. 2001:db8::10",
  ALIAS: "A host name outside or inside your zones, e.g. lb.provider.example.",
  CNAME: "A host name, e.g. www.example.net.",
  MX: "Preference and host, e.g. 10 mail.example.com.",
  TXT: "Text; quotes are added when you leave them out",
  NS: "A name server, e.g. ns1.example.net.",
  SRV: "Priority, weight, port and target, e.g. 10 5 443 svc.example.com.",
  CAA: 'Flags, tag and value, e.g. 0 issue "letsencrypt.org"',
};

/** What an ALIAS is, next to the type picker. */
export const ALIAS_EXPLANATION =
  "ALIAS is a CNAME that may sit at the zone apex: flatapex answers A and AAAA queries for this " +
  "name with the target's current addresses, resolved through its upstreams and kept fresh. " +
  "Its health is on the ALIAS health tab.";

const LABEL = /^(\*|[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)$/;
const HOST_LABEL = /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$/;

/** An owner as the records API takes it: `@`, relative, or absolute. Null when fine. */
export function checkName(name: string): string | null {
  const bare = name.trim().replace(/\.$/, "");
  if (bare === "" || bare === "@") return null;
  if (bare.length > 253) return "A name has at most 253 characters";
  const bad = bare.split(".").find((label) => !LABEL.test(label));
  if (bad !== undefined) {
    return bad === ""
      ? "A name cannot have an empty label (two dots in a row)"
      : `"${bad}" is not a valid label: letters, digits, '-' and '_', up to 63 characters`;
  }
  return null;
}

export function checkTtl(ttl: string): string | null {
  if (!/^\d+$/.test(ttl.trim())) return "The TTL is a whole number of seconds";
  const value = Number(ttl);
  return value > 2147483647 ? "The TTL is at most 2147483647 seconds (RFC 2181 §8)" : null;
}

function checkHost(host: string): string | null {
  const bare = host.trim().replace(/\.$/, "");
  if (bare === "") return "A host name is needed";
  const bad = bare.split(".").find((label) => !HOST_LABEL.test(label));
  return bad === undefined ? null : `"${host.trim()}" is not a host name`;
}

function checkIpv4(text: string): string | null {
  const parts = text.trim().split(".");
  const ok = parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
  return ok ? null : `"${text.trim()}" is not an IPv4 address`;
}

function checkIpv6(text: string): string | null {
  const t = text.trim();
  const ok = /^[0-9A-Fa-f:.]+$/.test(t) && t.includes(":") && (t.match(/::/g) ?? []).length <= 1;
  return ok ? null : `"${t}" is not an IPv6 address`;
}

/** The content for `type`, checked where a mistake is easy to name. Null when fine. */
export function checkContent(type: string, content: string): string | null {
  const text = content.trim();
  if (text === "") return "The content is needed";
  switch (type) {
    case "A":
      return checkIpv4(text);
    case "AAAA":
      return checkIpv6(text);
    case "ALIAS":
    case "CNAME":
    case "NS":
    case "PTR":
      return checkHost(text);
    case "MX": {
      const [preference, host, ...rest] = text.split(/\s+/);
      if (!/^\d+$/.test(preference ?? "") || Number(preference) > 65535 || !host || rest.length) {
        return "MX content is a preference (0-65535) and a host, e.g. 10 mail.example.com.";
      }
      return checkHost(host);
    }
    default:
      return null;
  }
}

/** TXT content in presentation form: quoted, with `"` and `\` escaped, unless already quoted. */
export function presentContent(type: string, content: string): string {
  const text = content.trim();
  if (type !== "TXT" || text.startsWith('"')) return text;
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
