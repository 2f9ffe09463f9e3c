/**
 * `logs`: what a container's detached runs wrote to stdout and stderr. The
 * container's init points both straight at `<dir>/container.log` (opened
 * O_APPEND), with no copier process in between, so the container keeps
 * running and logging whatever happens to dockergsh. Two consequences:
 * stdout and stderr are one interleaved stream, and lines carry no time
 * of their own. Foreground runs are logged too (as Docker logs every
 * container's output): the CLI, which relays their output, appends what it
 * relays to the same file (`openLogSink`).
 *
 * @module
 */

import { debug } from "../debug.ts";
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
/** Read size: a log of any length is read in pieces, never whole into memory. */
const CHUNK = 64 * 1024;

/** True while the run that started at `startedAt` is still the container's running run. */
function stillRunning(store: ContainerStore, id: string, startedAt: string): boolean {
  if (!store.ids().includes(id)) return false;
  const { state } = store.get(id);
  return state.status === "running" && state.startedAt === startedAt;
}

/** The log, open for reading, or undefined when there is none (yet). */
function openLog(path: string): Deno.FsFile | undefined {
  try {
    return Deno.openSync(path, { read: true });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

/** Up to `length` bytes of `file` at `offset` (fewer at its end). */
function readAt(file: Deno.FsFile, offset: number, length: number): Uint8Array {
  const buf = new Uint8Array(length);
  file.seekSync(offset, Deno.SeekMode.Start);
  let got = 0;
  while (got < length) {
    const n = file.readSync(buf.subarray(got));
    if (n === null) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/** `file` from `from` to `to`, in chunks. */
function* chunks(file: Deno.FsFile, from: number, to: number): Generator<Uint8Array> {
  for (let off = from; off < to;) {
    const bytes = readAt(file, off, Math.min(CHUNK, to - off));
    if (bytes.length === 0) return;
    off += bytes.length;
    yield bytes;
  }
}

/**
 * Offset where the last `n` lines of the first `size` bytes of `file` start
 * (a final line without newline counts), read backwards from the end.
 */
function tailStart(file: Deno.FsFile, size: number, n: number): number {
  if (n <= 0) return size;
  let seen = 0;
  for (let end = size; end > 0;) {
    const from = Math.max(0, end - CHUNK);
    const bytes = readAt(file, from, end - from);
    for (let i = bytes.length - 1; i >= 0; i--) {
      // The newline that ends the last line does not start another one.
      if (bytes[i] !== NEWLINE || from + i === size - 1) continue;
      if (++seen === n) return from + i + 1;
    }
    end = from;
  }
  return 0;
}

/**
 * An append-only writer to `id`'s log, for the output a foreground run's
 * CLI relays, and its closer. A write that fails (a full disk) stops the
 * logging, never the relay: the user still sees the output.
 */
export function openLogSink(
  root: StateRoot,
  id: string,
): { sink: (bytes: Uint8Array) => void; close: () => void } {
  let file: Deno.FsFile | undefined;
  try {
    file = Deno.openSync(containerPaths(root, id).log, { append: true, create: true, mode: 0o600 });
  } catch (err) {
    debug("logs", `${id.slice(0, 12)}: not logged: ${err}`);
  }
  const close = () => {
    file?.close();
    file = undefined;
  };
  const sink = (bytes: Uint8Array) => {
    if (!file) return;
    try {
      for (let off = 0; off < bytes.length;) off += file.writeSync(bytes.subarray(off));
    } catch (err) {
      debug("logs", `${id.slice(0, 12)}: logging stopped: ${err}`);
      close();
    }
  };
  return { sink, close };
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
  let offset = 0;
  const existing = openLog(path);
  if (existing) {
    try {
      const { size, mtime } = existing.statSync();
      const writtenBy = mtime ?? new Date(0);
      const from = opts.tail === undefined ? 0 : tailStart(existing, size, opts.tail);
      for (const bytes of chunks(existing, from, size)) yield { bytes, writtenBy };
      offset = size;
    } finally {
      existing.close();
    }
  }
  while (follow) {
    await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
    // Asked before reading: once the run is over, this read gets all it wrote.
    follow = stillRunning(store, record.id, startedAt);
    const file = openLog(path);
    if (!file) continue;
    try {
      for (const bytes of chunks(file, offset, file.statSync().size)) {
        offset += bytes.length;
        yield { bytes, writtenBy: new Date() };
      }
    } finally {
      file.close();
    }
  }
}
