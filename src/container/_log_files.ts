/**
 * The files of a container's log: one raw file per stream, written by the
 * container itself (`container.log` for stdout, `container-stderr.log` for
 * stderr, each opened O_APPEND by its init, no copier in between), and an
 * index (`container-log.idx`) of when each stream had grown to which
 * offset, written by whoever watches the run: the monitor for a detached
 * run (it looks every INDEX_POLL_MS while the run writes, less often while
 * it is quiet), the CLI for a foreground run (at each
 * chunk it relays). An index entry `{"s":"stdout","o":N,"t":T}` says: the
 * stream's bytes up to offset N were written by time T. Bytes past the last
 * entry (the monitor was gone) are known to be written by the file's mtime.
 *
 * @module
 */

import { O_CLOEXEC, O_RDONLY } from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { debug } from "../debug.ts";
import type { StateRoot } from "../store/paths.ts";
import { containerPaths } from "./paths.ts";

/** A container's output streams. */
export type LogStream = "stdout" | "stderr";

/** Where a container's log files are. */
export interface LogPaths {
  stdout: string;
  stderr: string;
  index: string;
}

/** The log files of container `id`. */
export function logPaths(root: StateRoot, id: string): LogPaths {
  const p = containerPaths(root, id);
  return { stdout: p.log, stderr: p.stderrLog, index: p.logIndex };
}

/** How often the monitor looks for a detached run's new output while it writes. */
export const INDEX_POLL_MS = 100;
/** How seldom, at the least, it looks while the run is quiet. */
const IDLE_POLL_MS = 400;

/** A stretch of one stream's file and the time by which it was written. */
export interface LogRange {
  from: number;
  to: number;
  writtenBy: Date;
  /**
   * The place of its index entry among both streams' (past them all: not
   * indexed): of two stretches noted at one time (the clock's millisecond),
   * the one noted first was written first.
   */
  noted: number;
}

/** Size and mtime of `path`, or zeros when it does not exist. */
export function fileState(path: string): { size: number; mtime: Date } {
  try {
    const info = Deno.statSync(path);
    return { size: info.size, mtime: info.mtime ?? new Date(0) };
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return { size: 0, mtime: new Date(0) };
    throw err;
  }
}

/**
 * The ranges of `stream`'s first `size` bytes, from the index entries (read
 * once by the caller: `entries`), the unindexed rest stamped with `mtime`.
 */
export function streamRanges(
  entries: ReadonlyArray<{ s: LogStream; o: number; t: Date }>,
  stream: LogStream,
  size: number,
  mtime: Date,
): LogRange[] {
  const out: LogRange[] = [];
  let at = 0;
  // Times never go back within a stream: a later stretch was written no earlier.
  let latest = new Date(0);
  const later = (t: Date) => (latest = t > latest ? t : latest);
  for (const [noted, e] of entries.entries()) {
    if (e.s !== stream || e.o <= at) continue;
    const to = Math.min(e.o, size);
    if (to > at) out.push({ from: at, to, writtenBy: later(e.t), noted });
    at = e.o;
    if (at >= size) break;
  }
  if (size > at) {
    out.push({ from: at, to: size, writtenBy: later(mtime), noted: entries.length });
  }
  return out;
}

/** The index entries of `path`; a torn or foreign line is skipped. */
export function readIndex(path: string): Array<{ s: LogStream; o: number; t: Date }> {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  const out: Array<{ s: LogStream; o: number; t: Date }> = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    try {
      const e = JSON.parse(line);
      const t = new Date(e.t);
      if (
        (e.s === "stdout" || e.s === "stderr") && Number.isSafeInteger(e.o) && !isNaN(t.getTime())
      ) {
        out.push({ s: e.s, o: e.o, t });
      }
    } catch {
      // A line cut short by a crash: the bytes it covered fall to the next entry.
    }
  }
  return out;
}

/**
 * Appends index entries to `path`; a failure (a full disk) is no error:
 * the bytes are still in the log, only their time is less precise.
 */
export function appendIndex(
  path: string,
  entries: ReadonlyArray<{ s: LogStream; o: number }>,
  at: Date = new Date(),
): void {
  if (entries.length === 0) return;
  const t = at.toISOString();
  const text = entries.map((e) => JSON.stringify({ s: e.s, o: e.o, t }) + "\n").join("");
  try {
    Deno.writeTextFileSync(path, text, { append: true, create: true, mode: 0o600 });
  } catch (err) {
    debug("logs", `${path}: index not written: ${err}`);
  }
}

/** The sizes of both streams' files now. */
export function logSizes(paths: LogPaths): Record<LogStream, number> {
  return { stdout: fileState(paths.stdout).size, stderr: fileState(paths.stderr).size };
}

/** One watched run: when to look next, and how long it has been quiet. */
interface Watched {
  look: () => boolean;
  due: number;
  delay: number;
}

/**
 * Every run the monitor indexes, looked at from one timer: the monitor
 * wakes once for all of them (its wake-ups, not the fstat calls, are what
 * idle containers cost it), when the first is due.
 */
const watched = new Set<Watched>();
let wake: ReturnType<typeof setTimeout> | undefined;

function schedule(): void {
  clearTimeout(wake);
  wake = undefined;
  if (watched.size === 0) return;
  const first = Math.min(...[...watched].map((w) => w.due));
  // On a 100 ms grid, so that runs due about together are looked at in one wake-up.
  const at = Math.ceil(first / INDEX_POLL_MS) * INDEX_POLL_MS;
  wake = setTimeout(() => {
    const now = Date.now();
    for (const w of watched) {
      if (w.due > now) continue;
      w.delay = w.look() ? INDEX_POLL_MS : Math.min(w.delay * 2, IDLE_POLL_MS);
      w.due = now + w.delay;
    }
    schedule();
  }, Math.max(0, at - Date.now()));
}

/**
 * Watches a detached run's log files and indexes their growth past
 * `before` (their sizes when the run began): at once, then every
 * INDEX_POLL_MS while the run writes, less often (down to once every
 * IDLE_POLL_MS) while it is quiet; until the returned function is called
 * (which indexes a last time). A quiet container's next line is thus
 * stamped at most IDLE_POLL_MS late.
 */
export function indexWhileRunning(
  kernel: Kernel,
  paths: LogPaths,
  before: Record<LogStream, number>,
): () => void {
  const known = { ...before };
  // Held open and asked with fstat(2): two syscalls a look.
  const fds: Partial<Record<LogStream, number>> = {};
  const sizeOf = (s: LogStream): number => {
    fds[s] ??= kernel.open(paths[s], O_RDONLY | O_CLOEXEC);
    return kernel.fstat(fds[s]!).size;
  };
  const look = (): boolean => {
    try {
      const grown: Array<{ s: LogStream; o: number }> = [];
      for (const s of ["stdout", "stderr"] as const) {
        const size = sizeOf(s);
        if (size > known[s]) grown.push({ s, o: size });
        known[s] = size;
      }
      appendIndex(paths.index, grown);
      return grown.length > 0;
    } catch (err) {
      // Never a reason for the watch to fail: at worst the times are less precise.
      debug("logs", `${paths.index}: ${err}`);
      return false;
    }
  };
  look();
  const me: Watched = { look, due: Date.now() + INDEX_POLL_MS, delay: INDEX_POLL_MS };
  watched.add(me);
  schedule();
  return () => {
    watched.delete(me);
    schedule();
    look();
    for (const fd of Object.values(fds)) kernel.close(fd);
  };
}
