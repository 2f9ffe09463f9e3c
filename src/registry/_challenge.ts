/**
 * `WWW-Authenticate` challenges (RFC 7235): `Basic realm="…"` or
 * `Bearer realm="…",service="…",scope="…"`.
 *
 * @module
 */

/** One parsed challenge. */
export interface Challenge {
  scheme: "basic" | "bearer";
  params: Record<string, string>;
}

/** The first Basic or Bearer challenge of a header value, if any. */
export function parseChallenge(header: string | null): Challenge | undefined {
  const m = header?.match(/^\s*(Basic|Bearer)\b\s*(.*)$/i);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2].matchAll(/([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : p[3];
  }
  return { scheme: m[1].toLowerCase() as Challenge["scheme"], params };
}
