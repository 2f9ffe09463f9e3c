/**
 * `dockergsh events [--since T] [--until T] [-f KEY=VALUE] [--format T]`:
 * the engine's container events (src/events/events.ts), one line each in
 * Docker's format: `TIME container ACTION ID (attr=value, …)`. Past events
 * are shown from `--since`; without `--until` it keeps following new ones
 * until interrupted, as Docker's does.
 *
 * @module
 */

import { type EngineEvent, eventFiles, parseEvents } from "../../events/events.ts";
import { eventFilter } from "../../events/event_filter.ts";
import { parseEventTime } from "../_time_flag.ts";
import type { StateRoot } from "../../store/paths.ts";
import type { Command } from "../command.ts";
import { compileFormat } from "../_format_output.ts";
import { writeStdout } from "../_write_stdout.ts";

const FOLLOW_POLL_MS = 100;

const two = (n: number) => String(n).padStart(2, "0");

/** Go's RFC3339NanoFixed in the local time zone, from nanoseconds. */
export function eventTime(timeNano: number): string {
  // Whole microseconds: a JS number holds nanoseconds since the epoch only to ~256 ns.
  const micros = Math.round(timeNano / 1000);
  const d = new Date(Math.floor(micros / 1000));
  const offset = -d.getTimezoneOffset();
  const zone = offset === 0
    ? "Z"
    : `${offset > 0 ? "+" : "-"}${two(Math.floor(Math.abs(offset) / 60))}:${
      two(Math.abs(offset) % 60)
    }`;
  const nanos = `${String(micros % 1_000_000).padStart(6, "0")}000`;
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${
    two(d.getMinutes())
  }:${two(d.getSeconds())}.${nanos}${zone}`;
}

/** Docker's default line for one event. */
export function eventLine(e: EngineEvent): string {
  const attrs = Object.keys(e.Actor.Attributes).sort()
    .map((k) => `${k}=${e.Actor.Attributes[k]}`).join(", ");
  return `${eventTime(e.timeNano)} ${e.Type} ${e.Action} ${e.Actor.ID}${
    attrs ? ` (${attrs})` : ""
  }`;
}

/** The log's current file: its inode and how far complete lines were read. */
interface Cursor {
  ino: number | null;
  offset: number;
}

function statOrUndefined(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.statSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

/** The complete lines of `path` from `offset`; the offset after the last newline. */
function readFrom(path: string, offset: number): { events: EngineEvent[]; offset: number } {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return { events: [], offset };
    throw err;
  }
  try {
    file.seekSync(offset, Deno.SeekMode.Start);
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(64 * 1024);
    for (let n = file.readSync(buf); n !== null && n > 0; n = file.readSync(buf)) {
      chunks.push(buf.slice(0, n));
    }
    const all = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
    let at = 0;
    for (const c of chunks) all.set(c, (at += c.length) - c.length);
    const end = all.lastIndexOf(0x0a) + 1;
    return {
      events: parseEvents(new TextDecoder().decode(all.subarray(0, end))),
      offset: offset + end,
    };
  } finally {
    file.close();
  }
}

/** Events appended since `cursor`, following a rotation. */
function newEvents(root: StateRoot, cursor: Cursor): EngineEvent[] {
  const [old, current] = eventFiles(root);
  const info = statOrUndefined(current);
  const out: EngineEvent[] = [];
  if (cursor.ino !== null && info?.ino !== cursor.ino) {
    // Rotated: the rest of the file we were reading is now the old one.
    if (statOrUndefined(old)?.ino === cursor.ino) out.push(...readFrom(old, cursor.offset).events);
    cursor.offset = 0;
  }
  cursor.ino = info?.ino ?? null;
  if (!info) return out;
  const read = readFrom(current, cursor.offset);
  cursor.offset = read.offset;
  return [...out, ...read.events];
}

/** The `events` command. */
export const command: Command = {
  name: "events",
  usage: "events [OPTIONS]",
  summary: "Get real time events from the server",
  flags: [
    {
      long: "filter",
      short: "f",
      kind: "list",
      type: "filter",
      help: "Filter output based on conditions provided",
    },
    { long: "format", kind: "string", help: "Format the output using the given Go template" },
    { long: "since", kind: "string", help: "Show all events created since timestamp" },
    { long: "until", kind: "string", help: "Stream events until this timestamp" },
  ],
  maxArgs: 0,
  async run(ctx, flags) {
    const now = Date.now();
    const sinceFlag = flags.strings.get("since");
    const untilFlag = flags.strings.get("until");
    const since = sinceFlag === undefined ? undefined : parseEventTime(sinceFlag, now);
    const until = untilFlag === undefined ? Infinity : parseEventTime(untilFlag, now);
    const keep = eventFilter(flags.lists.get("filter") ?? []);
    const format = flags.strings.get("format");
    const render = format === undefined
      ? eventLine
      : compileFormat(format, {}, "Error parsing format", 64);
    let stop = false;
    const enc = new TextEncoder();
    const show = (e: EngineEvent) => {
      if (stop || e.timeNano > until || !keep(e)) return;
      if (since !== undefined && e.timeNano < since) return;
      // A reader that went away (`events | head`) ends the command, as an interrupt does.
      if (!writeStdout(enc.encode(`${render(e)}\n`))) stop = true;
    };

    const [old, current] = eventFiles(ctx.root);
    // Following starts where this first read of the current file ended.
    const cursor: Cursor = { ino: statOrUndefined(current)?.ino ?? null, offset: 0 };
    const first = readFrom(current, 0);
    cursor.offset = first.offset;
    if (since !== undefined) {
      for (const e of [...readFrom(old, 0).events, ...first.events]) show(e);
    }
    const onInterrupt = () => stop = true;
    Deno.addSignalListener("SIGINT", onInterrupt);
    try {
      while (!stop && Date.now() * 1e6 <= until) {
        await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
        for (const e of newEvents(ctx.root, cursor)) show(e);
      }
    } finally {
      Deno.removeSignalListener("SIGINT", onInterrupt);
    }
    return 0;
  },
};
