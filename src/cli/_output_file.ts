/**
 * Where a command writes a binary stream (`export`, `cp … -`): stdout, or
 * with `-o FILE` a file written as Docker's atomic writer does (a
 * temporary file beside it, mode 0600, renamed into place once complete;
 * removed on failure, so a failed export leaves no half file).
 * Writes are buffered into large chunks.
 *
 * @module
 */

import { UserError } from "../errors.ts";

const CHUNK = 256 * 1024;

/** A buffered byte sink over `write`, which must write all it is given. */
export class BufferedSink {
  private buf = new Uint8Array(CHUNK);
  private used = 0;

  constructor(private readonly write: (data: Uint8Array) => void) {}

  /** Appends `data`. */
  readonly push = (data: Uint8Array): void => {
    if (this.used + data.length > this.buf.length) this.flush();
    if (data.length >= this.buf.length) {
      this.write(data);
      return;
    }
    this.buf.set(data, this.used);
    this.used += data.length;
  };

  /** Writes what is buffered. */
  flush(): void {
    if (this.used > 0) this.write(this.buf.subarray(0, this.used));
    this.used = 0;
  }
}

/** Writes all of `data` to `file`. */
function writeAll(file: { writeSync(p: Uint8Array): number }, data: Uint8Array): void {
  for (let off = 0; off < data.length;) off += file.writeSync(data.subarray(off));
}

/**
 * Runs `produce` with a sink to `path`, or to stdout when `path` is
 * undefined; stdout must not be a terminal (Docker's refusal).
 */
export function writeOutput(
  path: string | undefined,
  produce: (sink: (data: Uint8Array) => void) => void,
): void {
  if (path === undefined) {
    if (Deno.stdout.isTerminal()) {
      throw new UserError(
        "cowardly refusing to save to a terminal. Use the -o flag or redirect",
        1,
      );
    }
    const sink = new BufferedSink((d) => writeAll(Deno.stdout, d));
    produce(sink.push);
    sink.flush();
    return;
  }
  const slash = path.lastIndexOf("/");
  const dir = slash < 0 ? "." : path.slice(0, slash) || "/";
  const base = path.slice(slash + 1);
  const temp = `${dir}/.${base}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  const file = Deno.openSync(temp, { write: true, createNew: true, mode: 0o600 });
  try {
    const sink = new BufferedSink((d) => writeAll(file, d));
    produce(sink.push);
    sink.flush();
    file.syncSync();
    file.close();
    Deno.renameSync(temp, path);
  } catch (err) {
    try {
      file.close();
    } catch {
      // Closed already.
    }
    Deno.removeSync(temp);
    throw err;
  }
}
