/**
 * `logs`: what a container's detached runs wrote to stdout and stderr. The
 * container's init points both straight at `<dir>/container.log` (opened
 * O_APPEND), with no copier process in between, so the container keeps
 * running and logging whatever happens to dockergsh. Two consequences:
 * stdout and stderr are one interleaved stream, and lines carry no time
 * of their own. Foreground runs write to the terminal and leave no log.
 *
 * @module
 */

import type { StateRoot } from "../store/paths.ts";
import { containerPaths } from "./container_create.ts";
import type { ContainerRecord } from "./record.ts";
import { ContainerStore } from "./store.ts";

/** Bytes of the log, and the time by which they are known to have been written. */
export interface LogChunk {
  bytes: Uint8Array;
  /**
   * An upper bound on when these bytes were written: the file's last
   * modification time for what was in the log already, the time of reading
   * for what arrived while following.
   */
  writtenBy: Date;
}

/** What to read. */
export interface LogOptions {
  /** Only the last `tail` lines of what is already there (undefined: all). */
  tail?: number;
  /** Keep reading until the container's current run is over. */
  follow: boolean;
}

const FOLLOW_POLL_MS = 100;
const NEWLINE = 0x0a;

/** Offset where the last `n` lines of `bytes` start (a final line without newline counts). */
export function tailOffset(bytes: Uint8Array, n: number): number {
  if (n <= 0) return bytes.length;
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === NEWLINE) end--;
  for (let i = end - 1, seen = 0; i >= 0; i--) {
    if (bytes[i] === NEWLINE && ++seen === n) return i + 1;
  }
  return 0;
}

/** True while the run that started at `startedAt` is still the container's running run. */
function stillRunning(store: ContainerStore, id: string, startedAt: string): boolean {
  if (!store.ids().includes(id)) return false;
  const { state } = store.get(id);
  return state.status === "running" && state.startedAt === startedAt;
}

/** Reads from `offset` to the end of the log, or nothing when there is no log (yet). */
function readFrom(path: string, offset: number): Uint8Array {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return new Uint8Array();
    throw err;
  }
  try {
    const size = file.statSync().size;
    if (size <= offset) return new Uint8Array();
    file.seekSync(offset, Deno.SeekMode.Start);
    const buf = new Uint8Array(size - offset);
    let got = 0;
    while (got < buf.length) {
      const n = file.readSync(buf.subarray(got));
      if (n === null) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    file.close();
  }
}

/** True when the container has a log file (it has run detached at least once). */
export function hasLog(root: StateRoot, id: string): boolean {
  try {
    Deno.statSync(containerPaths(root, id).log);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/**
 * The container's log as chunks: first what is there (or its last lines),
 * then, when following, what arrives until the run that was current when
 * reading began has ended (then everything it wrote has been read).
 */
export async function* readLogs(
  root: StateRoot,
  record: ContainerRecord,
  opts: LogOptions,
): AsyncGenerator<LogChunk> {
  const path = containerPaths(root, record.id).log;
  const store = new ContainerStore(root);
  const { startedAt } = record.state;
  let follow = opts.follow && record.state.status === "running";
  let mtime = new Date(0);
  try {
    mtime = Deno.statSync(path).mtime ?? mtime;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  const existing = readFrom(path, 0);
  let offset = existing.length;
  const start = opts.tail === undefined ? 0 : tailOffset(existing, opts.tail);
  if (start < existing.length) yield { bytes: existing.subarray(start), writtenBy: mtime };
  while (follow) {
    await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
    // Asked before reading: once the run is over, this read gets all it wrote.
    follow = stillRunning(store, record.id, startedAt);
    const fresh = readFrom(path, offset);
    offset += fresh.length;
    if (fresh.length > 0) yield { bytes: fresh, writtenBy: new Date() };
  }
}
