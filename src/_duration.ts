/**
 * Go's time.ParseDuration and Duration.String, the syntax Docker's flags
 * take durations in (`--health-interval 1m30s`, `logs --since 10m`).
 *
 * @module
 */

/** Nanoseconds per unit. */
const UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  "µs": 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Nanoseconds `text` means (`-1.5h`, `300ms`, `0`), or undefined when it is no Go duration. */
export function parseGoDuration(text: string): number | undefined {
  const m = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.exec(text);
  if (!m) return text === "0" || text === "-0" || text === "+0" ? 0 : undefined;
  let ns = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) {
    ns += Number(n) * UNITS[unit];
  }
  return Math.round(m[1] === "-" ? -ns : ns);
}

/** Go's Duration.String of `ns`: `1s`, `1.5s`, `500ms`, `1m0s`, `1h2m3s`. */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return "0s";
  const sign = ns < 0 ? "-" : "";
  let rest = Math.abs(ns);
  if (rest < 1e9) {
    const [div, unit] = rest < 1e3 ? [1, "ns"] : rest < 1e6 ? [1e3, "µs"] : [1e6, "ms"];
    return `${sign}${trim(rest / div)}${unit}`;
  }
  const h = Math.floor(rest / 3600e9);
  rest -= h * 3600e9;
  const min = Math.floor(rest / 60e9);
  rest -= min * 60e9;
  const s = `${trim(rest / 1e9)}s`;
  return sign + (h ? `${h}h${min}m${s}` : min ? `${min}m${s}` : s);
}

/** A number with at most 9 decimals and no trailing zeros. */
function trim(n: number): string {
  return String(Number(n.toFixed(9)));
}
