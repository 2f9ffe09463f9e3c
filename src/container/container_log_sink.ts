/**
 * The log of a foreground run (`run` without -d, `start -a`), written by the
 * CLI that relays the container's output: each chunk appended to its
 * stream's file and indexed with its time (the files and the index are
 * _log_files.ts's; `logs` reads them, container_logs.ts). Apart from the
 * reader so that a run loads only this.
 *
 * @module
 */

import { debug } from "../debug.ts";
import type { StateRoot } from "../store/paths.ts";
import { appendIndex, INDEX_POLL_MS, logPaths, type LogStream } from "./_log_files.ts";

/**
 * Appending writers to `id`'s log for the output a foreground run's CLI
 * relays, one per stream, each chunk indexed with its time; and their
 * closer. A write that fails (a full disk) stops the logging, never the
 * relay: the user still sees the output.
 */
export function openLogSink(
  root: StateRoot,
  id: string,
): { sink: (stream: LogStream, bytes: Uint8Array) => void; close: () => void } {
  const paths = logPaths(root, id);
  const files: Partial<Record<LogStream, Deno.FsFile>> = {};
  const sizes = { stdout: 0, stderr: 0 };
  const noted = { stdout: 0, stderr: 0 };
  let failed = false;
  try {
    for (const s of ["stdout", "stderr"] as const) {
      files[s] = Deno.openSync(paths[s], { append: true, create: true, mode: 0o600 });
      sizes[s] = noted[s] = files[s]!.statSync().size;
    }
  } catch (err) {
    debug("logs", `${id.slice(0, 12)}: not logged: ${err}`);
    failed = true;
  }
  // At most one index entry per INDEX_POLL_MS, as the monitor's, unless the
  // stream changes: a chatty container does not get an entry per chunk, yet
  // the order of its stdout and stderr lines is kept. A chunk within that
  // time of the last entry waits for the next chunk, or the close, and is
  // then noted with its own time (so a line's time is exact). No timer: the
  // first timer a Deno process sets loads Node's timers, ~10 ms of CPU on
  // every run that prints.
  let lastEntry = 0;
  let waiting: Date | undefined;
  const note = (at: Date) => {
    waiting = undefined;
    lastEntry = at.getTime();
    const grown = (["stdout", "stderr"] as const).filter((s) => sizes[s] > noted[s]);
    appendIndex(paths.index, grown.map((s) => ({ s, o: sizes[s] })), at);
    for (const s of grown) noted[s] = sizes[s];
  };
  const close = () => {
    if (waiting) note(waiting);
    for (const s of ["stdout", "stderr"] as const) files[s]?.close();
    delete files.stdout;
    delete files.stderr;
  };
  const sink = (stream: LogStream, bytes: Uint8Array) => {
    const file = files[stream];
    if (failed || !file) return;
    try {
      const now = new Date();
      // What waits was written before this chunk: noted first, with its own time;
      // at once when it is the other stream's, or the order of the two would be lost.
      const other = stream === "stdout" ? "stderr" : "stdout";
      if (waiting && (now.getTime() - lastEntry >= INDEX_POLL_MS || sizes[other] > noted[other])) {
        note(waiting);
      }
      for (let off = 0; off < bytes.length;) off += file.writeSync(bytes.subarray(off));
      sizes[stream] += bytes.length;
      if (now.getTime() - lastEntry >= INDEX_POLL_MS) note(now);
      else waiting = now;
    } catch (err) {
      debug("logs", `${id.slice(0, 12)}: logging stopped: ${err}`);
      failed = true;
      close();
    }
  };
  if (failed) close();
  return { sink, close };
}
