/**
 * The cells of `ps`: Docker's wording and truncation for COMMAND, STATUS
 * and PORTS.
 *
 * @module
 */

import type { ContainerState, PortMapping } from "../container/record.ts";
import { humanDuration } from "./_humanize.ts";

/** Go's strconv.Quote: double quotes, backslash escapes, printable Unicode kept. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).padStart(2, "0");
    else out += ch;
  }
  return out + '"';
}

/** Docker's Ellipsis: at most `max` characters, the last one "…" when cut. */
export function ellipsis(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : chars.slice(0, max - 1).join("") + "…";
}

/**
 * COMMAND: the argv joined by spaces, an argument holding a space wrapped in
 * single quotes (as Docker's daemon words it: `sh -c 'sleep 1; exit 6'`),
 * cut to 20 characters unless `noTrunc`, then Go-quoted.
 */
export function commandCell(cmd: readonly string[], noTrunc: boolean): string {
  const [path, ...args] = cmd;
  const joined = [path, ...args.map((a) => (a.includes(" ") ? `'${a}'` : a))].join(" ");
  return goQuote(noTrunc ? joined : ellipsis(joined, 20));
}

/**
 * STATUS, as Docker words it: "Up 3 minutes", "Up 3 minutes (Paused)", "Exited (0) 2 seconds ago",
 * "Created". An exit nobody observed (the container's parent was gone) is
 * "Exited (unknown) …": there is no code to show, and inventing one would
 * mislead scripts.
 */
export function statusCell(state: ContainerState, now: Date): string {
  const since = (iso: string) => humanDuration(now.getTime() - Date.parse(iso));
  switch (state.status) {
    case "created":
      return "Created";
    case "running":
      return `Up ${since(state.startedAt)}${state.paused ? " (Paused)" : ""}`;
    case "exited":
      return `Exited (${state.exitCode ?? "unknown"}) ${since(state.finishedAt)} ago`;
  }
}

/** PORTS: "0.0.0.0:8080->80/tcp, …" (Docker lists them only while the container runs). */
export function portsCell(ports: readonly PortMapping[]): string {
  return ports
    .map((p) => `${p.hostIp || "0.0.0.0"}:${p.hostPort}->${p.containerPort}/${p.protocol}`)
    .join(", ");
}
