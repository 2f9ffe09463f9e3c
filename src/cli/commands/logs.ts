/**
 * `dockergsh logs [-f] [--tail N] [-t] [--since T] [--until T] CONTAINER`:
 * print what a container wrote, in the foreground or detached: its stdout
 * to stdout, its stderr to stderr, merged in the order written as far as
 * it is known (see src/container/container_logs.ts).
 *
 * @module
 */

import { type LogChunk, readLogs } from "../../container/container_logs.ts";
import { ContainerStore } from "../../container/store.ts";
import { UserError } from "../../errors.ts";
import type { Command } from "../command.ts";
import { resolveContainer } from "../_resolve_container.ts";
import { parseGoDuration } from "../../_duration.ts";
import type { ParsedFlags } from "../flags.ts";
import { writeContainerOutput } from "../_write_stdout.ts";

/**
 * `--tail`: Docker's daemon reads it with Go's Atoi and shows everything
 * for "all", a negative count, or what is no integer ("x", "1.5").
 */
function tailFlag(flags: ParsedFlags): number | undefined {
  const raw = flags.strings.get("tail") ?? "all";
  if (!/^[+-]?\d+$/.test(raw)) return undefined;
  return Number(raw) < 0 ? undefined : Number(raw);
}

/** Docker's log timestamp: RFC 3339 with nine fractional digits (ours are whole ms). */
function stamp(t: Date): string {
  return t.toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");
}

/** The bytes to print for `chunk`: with `-t`, each line's time before it. */
function render(chunk: LogChunk, timestamps: boolean): Uint8Array {
  if (!timestamps || !chunk.lineStart) return chunk.bytes;
  const prefix = new TextEncoder().encode(`${stamp(chunk.writtenBy)} `);
  const out = new Uint8Array(prefix.length + chunk.bytes.length);
  out.set(prefix);
  out.set(chunk.bytes, prefix.length);
  return out;
}

/**
 * A `--since`/`--until` value as Docker reads it: a Go duration before now
 * (`10m`, `1h30m`), Unix seconds (`1733000000.5`), or an RFC 3339 time or
 * date (`2026-12-01`, `2026-12-01T10:00:00Z`).
 */
export function parseLogTime(flag: string, value: string, now = new Date()): Date {
  // Docker: a duration counts back from now ("0" and digits alone are Unix seconds).
  const duration = /[a-zµ]$/.test(value) ? parseGoDuration(value) : undefined;
  if (duration !== undefined) return new Date(now.getTime() - duration / 1e6);
  if (/^\d+(\.\d+)?$/.test(value)) return new Date(Number(value) * 1000);
  const t = /^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?)?$/.test(value)
    ? Date.parse(value.replace(" ", "T"))
    : NaN;
  if (isNaN(t)) {
    throw new UserError(
      `invalid value for "${flag}": failed to parse value as time or duration: "${value}"`,
      1,
    );
  }
  return new Date(t);
}

/** The `logs` command. */
export const command: Command = {
  name: "logs",
  usage: "logs [OPTIONS] CONTAINER",
  summary: "Fetch the logs of a container",
  flags: [
    {
      long: "follow",
      short: "f",
      kind: "bool",
      help: "Follow log output",
    },
    {
      long: "tail",
      short: "n",
      kind: "string",
      defaultValue: "all",
      help: "Number of lines to show from the end of the logs",
    },
    {
      long: "since",
      kind: "string",
      help:
        "Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)",
    },
    {
      long: "until",
      kind: "string",
      help:
        "Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)",
    },
    {
      long: "timestamps",
      short: "t",
      kind: "bool",
      // Each line's time is when it is known to have been written by (noted by its watcher
      // within 0.4 s; the file's mtime when none watched it).
      help: "Show timestamps",
    },
    // Docker's extra details come from log-driver options (labels, env), which this engine has not.
    { long: "details", kind: "bool", help: "Show extra details provided to logs" },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, flags) {
    const tail = tailFlag(flags);
    const [ref] = flags.positionals;
    const record = resolveContainer(new ContainerStore(ctx.root), ref);
    const since = flags.strings.get("since");
    const until = flags.strings.get("until");
    const chunks = readLogs(ctx.root, record, {
      tail,
      follow: flags.bools.has("follow"),
      since: since === undefined ? undefined : parseLogTime("since", since),
      until: until === undefined ? undefined : parseLogTime("until", until),
    });
    const timestamps = flags.bools.has("timestamps");
    // As Docker: what the container wrote to stderr goes to stderr.
    for await (const chunk of chunks) {
      if (!writeContainerOutput(chunk.stream, render(chunk, timestamps))) break;
    }
    return 0;
  },
};
