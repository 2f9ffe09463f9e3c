/**
 * `--since`/`--until` (events) and `until` (prune filters) values as Docker reads them: a Unix timestamp
 * (seconds, with an optional fraction), an RFC 3339 date or date-time, or
 * a Go duration (`10m`, `1h30m`, `5s`) meaning that long before now.
 *
 * @module
 */

import { UserError } from "../errors.ts";

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Milliseconds of a Go duration ("1h30m", "90s", "1.5h"), or undefined when it is not one. */
function goDuration(text: string): number | undefined {
  const part = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let ms = 0;
  let at = 0;
  while (at < text.length) {
    part.lastIndex = at;
    const m = part.exec(text);
    if (!m) return undefined;
    ms += Number(m[1]) * DURATION_UNITS[m[2]];
    at = part.lastIndex;
  }
  return at > 0 ? ms : undefined;
}

/** Nanoseconds since the epoch that `value` names, `now` being the present. */
export function parseEventTime(value: string, now: number): number {
  if (/^\d+(\.\d+)?$/.test(value)) {
    const [sec, frac = ""] = value.split(".");
    return Number(sec) * 1e9 + Number(frac.padEnd(9, "0").slice(0, 9));
  }
  const ago = goDuration(value);
  if (ago !== undefined) return (now - ago) * 1e6;
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  const parsed = Date.parse(date);
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(parsed)) return parsed * 1e6;
  // Docker 20.10's words and exit code.
  throw new UserError(`failed to parse value as time or duration: "${value}"`, 1);
}
