/**
 * Writing a stream to stdout or stderr until its reader goes away
 * (`attach | head`, `logs -f | head`).
 *
 * @module
 */

/** Writes all of `data` to `out`; false once the reader has gone. */
export function writeAll(out: typeof Deno.stdout | typeof Deno.stderr, data: Uint8Array): boolean {
  try {
    for (let off = 0; off < data.length;) off += out.writeSync(data.subarray(off));
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.BrokenPipe) return false;
    throw err;
  }
}

/** Writes all of `data` to stdout; false once the reader has gone. */
export function writeStdout(data: Uint8Array): boolean {
  return writeAll(Deno.stdout, data);
}

/** Writes a container's output to the stream it came from, as Docker's CLI does; false once its reader has gone. */
export function writeContainerOutput(stream: "stdout" | "stderr", data: Uint8Array): boolean {
  return writeAll(stream === "stderr" ? Deno.stderr : Deno.stdout, data);
}
