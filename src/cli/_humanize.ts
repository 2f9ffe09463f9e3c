/**
 * Docker's human-readable durations and sizes (its go-units package):
 * "5 seconds ago", "About an hour", "4.26MB".
 *
 * @module
 */

const HOUR = 3600;

/** go-units HumanDuration: "Less than a second", "About a minute", "3 weeks"… */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const hours = Math.floor(ms / 1000 / HOUR + 0.5);
  if (seconds < 1) return "Less than a second";
  if (seconds === 1) return "1 second";
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  if (hours === 1) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 1000 / HOUR / 24 / 365)} years`;
}

/** The CREATED column: `humanDuration` of the time since `iso`, plus " ago". */
export function timeAgo(iso: string, now: Date): string {
  return `${humanDuration(now.getTime() - Date.parse(iso))} ago`;
}

const DECIMAL_UNITS = ["B", "kB", "MB", "GB", "TB", "PB"];

/**
 * go-units HumanSizeWithPrecision(size, precision): 3 as `docker images`
 * prints SIZE ("4.26MB"), 4 as HumanSize ("3.973MB", `system df`, prune's
 * "Total reclaimed space").
 */
export function humanSize(bytes: number, precision = 3): string {
  let size = bytes;
  let unit = 0;
  while (size >= 1000 && unit < DECIMAL_UNITS.length - 1) {
    size /= 1000;
    unit++;
  }
  return `${Number(size.toPrecision(precision))}${DECIMAL_UNITS[unit]}`;
}
