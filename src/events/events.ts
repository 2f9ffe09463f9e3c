/**
 * The engine's event log: what happened to which container, as Docker's
 * `events` reports it (create, start, kill, die, oom, stop, restart,
 * pause, unpause, rename, attach, top, export, archive-path (cp out),
 * extract-to-dir (cp in), destroy). dockergsh has no daemon to hold events in
 * memory, so every process that changes a container (the CLI, the
 * monitor) appends one JSON line to `<root>/events/events.log`.
 *
 * Concurrent writers do not interleave: each event is one `write(2)` of a
 * whole line on a file opened with O_APPEND, which the kernel positions and
 * writes under the inode's lock. The log is rotated (kept: one previous
 * file) once it passes ROTATE_BYTES, under a lock, so it stays bounded.
 * Recording is best effort, as Docker's: an event that cannot be written
 * (a full disk) never fails the change it describes.
 *
 * @module
 */

import { debug } from "../debug.ts";
import { withLock } from "../store/lock.ts";
import type { StateRoot } from "../store/paths.ts";

/** One event, in the shape of Docker's `/events` JSON messages. */
export interface EngineEvent {
  status: string;
  id: string;
  from?: string;
  Type: "container";
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: "local";
  time: number;
  timeNano: number;
}

/** Past this size the log is rotated to `events.log.1`. */
const ROTATE_BYTES = 4 * 1024 * 1024;

/** The directory of the event log. */
export function eventsDir(root: StateRoot): string {
  return `${root.root}/events`;
}

/** The current log, then the rotated one: oldest first. */
export function eventFiles(root: StateRoot): string[] {
  const dir = eventsDir(root);
  return [`${dir}/events.log.1`, `${dir}/events.log`];
}

/** Nanoseconds since the epoch, as a JS number (microsecond precision is what survives). */
function nowNanos(): number {
  const ms = performance.timeOrigin + performance.now();
  return Math.floor(ms * 1000) * 1000;
}

/** `attrs` with its keys in Go's map order (sorted), as Docker's JSON has them. */
function sortedKeys(attrs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(attrs).sort().map((k) => [k, attrs[k]]));
}

/** What a container event says about its container. */
export interface EventSubject {
  id: string;
  name: string;
  image: string;
}

/**
 * Appends `action` on `subject` (plus `extra` attributes, e.g. exitCode)
 * to the log. Never throws.
 */
export function recordEvent(
  root: StateRoot,
  action: string,
  subject: EventSubject,
  extra: Record<string, string> = {},
): void {
  const timeNano = nowNanos();
  const event: EngineEvent = {
    status: action,
    id: subject.id,
    from: subject.image,
    Type: "container",
    Action: action,
    Actor: {
      ID: subject.id,
      Attributes: sortedKeys({ ...extra, image: subject.image, name: subject.name }),
    },
    scope: "local",
    time: Math.floor(timeNano / 1e9),
    timeNano,
  };
  try {
    appendLine(root, new TextEncoder().encode(JSON.stringify(event) + "\n"));
  } catch (err) {
    debug("events", `event ${action} of ${subject.id.slice(0, 12)} not recorded: ${err}`);
  }
}

function appendLine(root: StateRoot, line: Uint8Array): void {
  const [old, current] = eventFiles(root);
  Deno.mkdirSync(eventsDir(root), { recursive: true, mode: 0o700 });
  const file = Deno.openSync(current, { append: true, create: true, mode: 0o600 });
  try {
    // One write(2): a short write would let another writer's line in between.
    const n = file.writeSync(line);
    if (n !== line.length) throw new Error(`short write to ${current} (${n} of ${line.length})`);
    if (file.statSync().size < ROTATE_BYTES) return;
  } finally {
    file.close();
  }
  withLock(root, "events", () => {
    // Another writer may have rotated it already.
    if (Deno.statSync(current).size >= ROTATE_BYTES) Deno.renameSync(current, old);
  });
}

/** The events stored in `text` (lines of JSON); a torn last line is skipped. */
export function parseEvents(text: string): EngineEvent[] {
  const out: EngineEvent[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    try {
      out.push(JSON.parse(line) as EngineEvent);
    } catch {
      // A line being written right now; the follower reads it next time.
    }
  }
  return out;
}
