/**
 * `dockergsh logs [-f] [--tail N] [-t] CONTAINER`: print what a container
 * wrote, in the foreground or detached (stdout and stderr, interleaved as
 * written: a detached container writes its log itself, see
 * src/container/container_logs.ts).
 *
 * @module
 */

import { type LogChunk, readLogs } from "../../container/container_logs.ts";
import { ContainerStore } from "../../container/store.ts";
import { UserError } from "../../errors.ts";
import type { Command } from "../command.ts";
import { resolveContainer } from "../_resolve_container.ts";
import type { ParsedFlags } from "../flags.ts";

function tailFlag(flags: ParsedFlags): number | undefined {
  const raw = flags.strings.get("tail") ?? "all";
  if (raw === "all") return undefined;
  if (!/^-?\d+$/.test(raw)) {
    throw new UserError(`invalid value for "--tail": "${raw}": a number of lines or "all"`);
  }
  // Docker shows everything for a negative count.
  return Number(raw) < 0 ? undefined : Number(raw);
}

/** Docker's log timestamp: RFC 3339 with nine fractional digits (ours are whole ms). */
function stamp(t: Date): string {
  return t.toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");
}

/** Prefixes each complete line with the time it was known to be written by. */
async function* withTimestamps(chunks: AsyncIterable<LogChunk>): AsyncGenerator<Uint8Array> {
  const enc = new TextEncoder();
  let pending = new Uint8Array();
  let last = new Date(0);
  for await (const { bytes, writtenBy } of chunks) {
    const data = new Uint8Array(pending.length + bytes.length);
    data.set(pending);
    data.set(bytes, pending.length);
    let start = 0;
    for (let nl = data.indexOf(0x0a); nl >= 0; nl = data.indexOf(0x0a, start)) {
      yield enc.encode(`${stamp(writtenBy)} `);
      yield data.subarray(start, nl + 1);
      start = nl + 1;
    }
    pending = data.slice(start);
    last = writtenBy;
  }
  if (pending.length > 0) {
    yield enc.encode(`${stamp(last)} `);
    yield pending;
  }
}

async function* raw(chunks: AsyncIterable<LogChunk>): AsyncGenerator<Uint8Array> {
  for await (const { bytes } of chunks) yield bytes;
}

/** Writes all of `data` to stdout; false once the reader has gone (`logs -f | head`). */
function write(data: Uint8Array): boolean {
  try {
    for (let off = 0; off < data.length;) off += Deno.stdout.writeSync(data.subarray(off));
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.BrokenPipe) return false;
    throw err;
  }
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
      help: "Follow log output until the container stops (Ctrl-C stops following only)",
    },
    {
      long: "tail",
      short: "n",
      kind: "string",
      help: 'Number of lines to show from the end of the logs (default "all")',
    },
    {
      long: "timestamps",
      short: "t",
      kind: "bool",
      help: "Show timestamps: the time each line is known to have been written by " +
        "(no log copier stamps lines: the file's mtime for lines already there, " +
        "the time of reading for followed lines)",
    },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, flags) {
    const tail = tailFlag(flags);
    const [ref] = flags.positionals;
    const record = resolveContainer(new ContainerStore(ctx.root), ref);
    const chunks = readLogs(ctx.root, record, { tail, follow: flags.bools.has("follow") });
    const out = flags.bools.has("timestamps") ? withTimestamps(chunks) : raw(chunks);
    for await (const data of out) {
      if (!write(data)) break;
    }
    return 0;
  },
};
