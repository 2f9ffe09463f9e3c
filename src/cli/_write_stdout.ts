/**
 * Writing a stream to stdout or stderr until its reader goes away
 * (`attach | head`, `logs -f | head`), and a command's whole output in one
 * write.
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

/**
 * Prints `lines` as console.log would print each (a newline after each,
 * nothing for none; a reader gone is no error), in one write: `ps` prints
 * this way because console.log's first call costs ~0.5 ms of start-up,
 * compiling its formatting code, and a line each is a write each.
 */
export function printLines(lines: readonly string[]): void {
  if (lines.length > 0) writeStdout(new TextEncoder().encode(`${lines.join("\n")}\n`));
}

/** Writes a container's output to the stream it came from, as Docker's CLI does; false once its reader has gone. */
export function writeContainerOutput(stream: "stdout" | "stderr", data: Uint8Array): boolean {
  return writeAll(stream === "stderr" ? Deno.stderr : Deno.stdout, data);
}
