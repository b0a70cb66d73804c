const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** RFC 1123 host name or fully qualified name: dot-separated labels of 1 to 63, 253 in all. */
export function isValidHostname(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  return name.split(".").every((label) => LABEL.test(label));
}

export const HOSTNAME_HINT = "a host name: labels of 1 to 63 letters, digits and inner hyphens, joined by dots, at most 253 characters (e.g. web-1 or web-1.example.com)";

/** `web-1.example.com` -> hostname `web-1`, fqdn `web-1.example.com`; a single label has no fqdn. */
export function splitHostname(name: string): { hostname: string; fqdn: string | null } {
  const dot = name.indexOf(".");
  return dot < 0 ? { hostname: name, fqdn: null } : { hostname: name.slice(0, dot), fqdn: name };
}
