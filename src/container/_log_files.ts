/**
 * The files of a container's log: one raw file per stream, written by the
 * container itself (`container.log` for stdout, `container-stderr.log` for
 * stderr, each opened O_APPEND by its init, no copier in between), and an
 * index (`container-log.idx`) of when each stream had grown to which
 * offset, written by whoever watches the run: the monitor for a detached
 * run (it looks every INDEX_POLL_MS), the CLI for a foreground run (at each
 * chunk it relays). An index entry `{"s":"stdout","o":N,"t":T}` says: the
 * stream's bytes up to offset N were written by time T. Bytes past the last
 * entry (the monitor was gone) are known to be written by the file's mtime.
 *
 * @module
 */

import { debug } from "../debug.ts";

/** A container's output streams. */
export type LogStream = "stdout" | "stderr";

/** Where a container's log files are. */
export interface LogPaths {
  stdout: string;
  stderr: string;
  index: string;
}

/** How often the monitor looks for a detached run's new output. */
export const INDEX_POLL_MS = 100;

/** A stretch of one stream's file and the time by which it was written. */
export interface LogRange {
  from: number;
  to: number;
  writtenBy: Date;
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
  for (const e of entries) {
    if (e.s !== stream || e.o <= at) continue;
    const to = Math.min(e.o, size);
    if (to > at) out.push({ from: at, to, writtenBy: later(e.t) });
    at = e.o;
    if (at >= size) break;
  }
  if (size > at) out.push({ from: at, to: size, writtenBy: later(mtime) });
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
): void {
  if (entries.length === 0) return;
  const t = new Date().toISOString();
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

/**
 * Watches a detached run's log files and indexes their growth past
 * `before` (their sizes when the run began) at once, then every
 * INDEX_POLL_MS until the returned function is called (which indexes a
 * last time).
 */
export function indexWhileRunning(paths: LogPaths, before: Record<LogStream, number>): () => void {
  const known = { ...before };
  const look = () => {
    const grown: Array<{ s: LogStream; o: number }> = [];
    for (const s of ["stdout", "stderr"] as const) {
      const { size } = fileState(s === "stdout" ? paths.stdout : paths.stderr);
      if (size > known[s]) grown.push({ s, o: size });
      known[s] = size;
    }
    appendIndex(paths.index, grown);
  };
  // Never a reason for the watch to fail: at worst the times are less precise.
  const tryLook = () => {
    try {
      look();
    } catch (err) {
      debug("logs", `${paths.index}: ${err}`);
    }
  };
  tryLook();
  const timer = setInterval(tryLook, INDEX_POLL_MS);
  return () => {
    clearInterval(timer);
    tryLook();
  };
}
