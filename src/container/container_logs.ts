/**
 * `logs`: what a container wrote to stdout and stderr, each stream kept
 * apart, in the order the lines were written as far as it is known. A
 * detached container writes its log itself: its init points stdout at
 * `<dir>/container.log` and stderr at `<dir>/container-stderr.log` (both
 * O_APPEND), with no copier process in between, so the container keeps
 * running and logging whatever happens to dockergsh. When each line was
 * written comes from the log's index (see _log_files.ts): the monitor
 * notes how far each file has grown (every INDEX_POLL_MS while it writes,
 * at most 0.4 s apart while it is quiet), so a line's time is an upper
 * bound, at most that late; lines of the two streams are
 * merged by it. Foreground runs are logged too (as Docker logs every
 * container's output): the CLI that relays their output appends what it
 * relays, and indexes it as it goes (container_log_sink.ts).
 *
 * A log written before streams were kept apart is one file: its lines
 * count as stdout.
 *
 * @module
 */

import type { StateRoot } from "../store/paths.ts";
import {
  fileState,
  logPaths,
  type LogRange,
  type LogStream,
  readIndex,
  streamRanges,
} from "./_log_files.ts";
import type { ContainerRecord } from "./record.ts";
import { ContainerStore } from "./store.ts";

export { logPaths, type LogStream } from "./_log_files.ts";

/** A piece of one line of the log (a line longer than a read comes in several). */
export interface LogChunk {
  stream: LogStream;
  bytes: Uint8Array;
  /** True for the first piece of a line (where `-t` puts its time). */
  lineStart: boolean;
  /**
   * An upper bound on when the line was written: from the log's index, the
   * file's last modification time past it, the time of reading for what
   * arrived while following.
   */
  writtenBy: Date;
}

/** What to read. */
export interface LogOptions {
  /** Only the last `tail` lines of what is already there (undefined: all). */
  tail?: number;
  /** Keep reading until the container's current run is over. */
  follow: boolean;
  /** Only lines written at or after this time (`--since`). */
  since?: Date;
  /** Only lines written at or before this time (`--until`). */
  until?: Date;
}

const FOLLOW_POLL_MS = 100;
const NEWLINE = 0x0a;
/** Read size: a log of any length is read in pieces, never whole into memory. */
const CHUNK = 64 * 1024;

/** True while the run that started at `startedAt` is still the container's running run. */
function stillRunning(store: ContainerStore, id: string, startedAt: string): boolean {
  let state;
  try {
    state = store.get(id).state;
  } catch (err) {
    if (!store.ids().includes(id)) return false; // removed, maybe between two reads: the run is over
    throw err;
  }
  return state.status === "running" && state.startedAt === startedAt;
}

/** The file, open for reading, or undefined when there is none (yet). */
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

/** One line of one stream: its bytes' place in the stream's file, its time and index entry. */
interface Line {
  stream: LogStream;
  start: number;
  end: number;
  writtenBy: Date;
  /** The place of the index entry that noted it (see LogRange). */
  noted: number;
}

/** One stream's file as it was when reading began, with the times of its stretches. */
class StreamLog {
  private constructor(
    readonly stream: LogStream,
    readonly file: Deno.FsFile | undefined,
    readonly size: number,
    private readonly ranges: LogRange[],
  ) {}

  static open(
    stream: LogStream,
    path: string,
    index: ReturnType<typeof readIndex>,
  ): StreamLog {
    const file = openLog(path);
    const { size, mtime } = file ? fileState(path) : { size: 0, mtime: new Date(0) };
    return new StreamLog(stream, file, size, streamRanges(index, stream, size, mtime));
  }

  /** The stretch holding the byte at `offset` (undefined: the file has none). */
  private rangeAt(offset: number): LogRange | undefined {
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ranges[mid].to <= offset) lo = mid + 1;
      else hi = mid;
    }
    return this.ranges[lo];
  }

  private line(start: number, end: number): Line {
    const range = this.rangeAt(end - 1);
    return {
      stream: this.stream,
      start,
      end,
      writtenBy: range?.writtenBy ?? new Date(0),
      noted: range?.noted ?? 0,
    };
  }

  /** Its lines from offset `from` on (a last line without newline counts). */
  *forward(from: number): Generator<Line> {
    if (!this.file) return;
    let start = from;
    for (let off = from; off < this.size;) {
      const bytes = readAt(this.file, off, Math.min(CHUNK, this.size - off));
      if (bytes.length === 0) break;
      for (let i = bytes.indexOf(NEWLINE); i >= 0; i = bytes.indexOf(NEWLINE, i + 1)) {
        yield this.line(start, off + i + 1);
        start = off + i + 1;
      }
      off += bytes.length;
    }
    if (start < this.size) yield this.line(start, this.size);
  }

  /** Its lines from the last backwards. */
  *backward(): Generator<Line> {
    if (!this.file) return;
    let end = this.size;
    for (let to = this.size; to > 0;) {
      const from = Math.max(0, to - CHUNK);
      const bytes = readAt(this.file, from, to - from);
      for (let i = bytes.length - 1; i >= 0; i--) {
        // The newline that ends a line is part of it, and starts the one after it.
        if (bytes[i] !== NEWLINE || from + i + 1 === end) continue;
        yield this.line(from + i + 1, end);
        end = from + i + 1;
      }
      to = from;
    }
    if (end > 0) yield this.line(0, end);
  }

  /** The bytes of `line`, in pieces of at most CHUNK. */
  *pieces(line: Line): Generator<Uint8Array> {
    for (let off = line.start; off < line.end;) {
      const bytes = readAt(this.file!, off, Math.min(CHUNK, line.end - off));
      if (bytes.length === 0) return;
      off += bytes.length;
      yield bytes;
    }
  }

  close(): void {
    this.file?.close();
  }
}

/**
 * Merge order: by time; at one time by index entry (the one noted first was
 * written first), then stdout first (noted together), then by place in the file.
 */
function before(a: Line, b: Line): boolean {
  if (a.writtenBy.getTime() !== b.writtenBy.getTime()) {
    return a.writtenBy.getTime() < b.writtenBy.getTime();
  }
  if (a.noted !== b.noted) return a.noted < b.noted;
  if (a.stream !== b.stream) return a.stream === "stdout";
  return a.start < b.start;
}

/** The lines of both generators, merged: `first(a, b)` says which comes out first. */
function* merge(
  a: Generator<Line>,
  b: Generator<Line>,
  first: (x: Line, y: Line) => boolean,
): Generator<Line> {
  let x = a.next();
  let y = b.next();
  while (!x.done || !y.done) {
    if (y.done || (!x.done && first(x.value, y.value))) {
      yield x.value as Line;
      x = a.next();
    } else {
      yield y.value;
      y = b.next();
    }
  }
}

/**
 * Where the last `n` lines of the merged log start in each stream (its
 * size when none of them is that stream's).
 */
function tailStarts(out: StreamLog, err: StreamLog, n: number): Record<LogStream, number> {
  const starts = { stdout: out.size, stderr: err.size };
  if (n <= 0) return starts;
  let taken = 0;
  for (const line of merge(out.backward(), err.backward(), (x, y) => before(y, x))) {
    starts[line.stream] = line.start;
    if (++taken === n) break;
  }
  return starts;
}

/**
 * The container's log as line pieces: first what is there (or its last
 * lines), then, when following, what arrives until the run that was
 * current when reading began has ended (then everything it wrote has been
 * read). `since`/`until` keep the lines whose time lies between them
 * (after `tail` has chosen, as Docker's json-file reader does).
 */
export async function* readLogs(
  root: StateRoot,
  record: ContainerRecord,
  opts: LogOptions,
): AsyncGenerator<LogChunk> {
  const paths = logPaths(root, record.id);
  const store = new ContainerStore(root);
  const { startedAt } = record.state;
  let follow = opts.follow && record.state.status === "running";
  const keep = (t: Date) =>
    (opts.since === undefined || t >= opts.since) && (opts.until === undefined || t <= opts.until);
  const index = readIndex(paths.index);
  const logs = {
    stdout: StreamLog.open("stdout", paths.stdout, index),
    stderr: StreamLog.open("stderr", paths.stderr, index),
  };
  const offsets = { stdout: logs.stdout.size, stderr: logs.stderr.size };
  try {
    const from = opts.tail === undefined
      ? { stdout: 0, stderr: 0 }
      : tailStarts(logs.stdout, logs.stderr, opts.tail);
    const lines = merge(logs.stdout.forward(from.stdout), logs.stderr.forward(from.stderr), before);
    for (const line of lines) {
      if (!keep(line.writtenBy)) continue;
      let lineStart = true;
      for (const bytes of logs[line.stream].pieces(line)) {
        yield { stream: line.stream, bytes, lineStart, writtenBy: line.writtenBy };
        lineStart = false;
      }
    }
  } finally {
    logs.stdout.close();
    logs.stderr.close();
  }
  // A line that has not ended yet waits for its end (or the run's) while following.
  const partial = { stdout: false, stderr: false };
  for (const s of ["stdout", "stderr"] as const) {
    partial[s] = offsets[s] > 0 && !endsWithNewline(paths[s], offsets[s]);
  }
  while (follow) {
    await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
    // Asked before reading: once the run is over, this read gets all it wrote.
    follow = stillRunning(store, record.id, startedAt);
    const now = new Date();
    if (opts.until !== undefined && now > opts.until) return;
    for (const s of ["stdout", "stderr"] as const) {
      const file = openLog(paths[s]);
      if (!file) continue;
      try {
        const size = file.statSync().size;
        for (let off = offsets[s]; off < size;) {
          const bytes = readAt(file, off, Math.min(CHUNK, size - off));
          if (bytes.length === 0) break;
          off += bytes.length;
          offsets[s] = off;
          // Cut at newlines, so each line's first piece is marked.
          let start = 0;
          for (
            let i = bytes.indexOf(NEWLINE);
            start < bytes.length;
            i = bytes.indexOf(NEWLINE, start)
          ) {
            const end = i < 0 ? bytes.length : i + 1;
            yield {
              stream: s,
              bytes: bytes.subarray(start, end),
              lineStart: !partial[s],
              writtenBy: now,
            };
            partial[s] = i < 0;
            start = end;
          }
        }
      } finally {
        file.close();
      }
    }
  }
}

/** True when the byte before `size` in `path` is a newline. */
function endsWithNewline(path: string, size: number): boolean {
  const file = openLog(path);
  if (!file) return true;
  try {
    return readAt(file, size - 1, 1)[0] === NEWLINE;
  } finally {
    file.close();
  }
}
