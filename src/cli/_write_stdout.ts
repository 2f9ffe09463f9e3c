/**
 * Writing a stream to stdout until its reader goes away (`attach | head`).
 *
 * @module
 */

/** Writes all of `data` to stdout; false once the reader has gone. */
export function writeStdout(data: Uint8Array): boolean {
  try {
    for (let off = 0; off < data.length;) off += Deno.stdout.writeSync(data.subarray(off));
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.BrokenPipe) return false;
    throw err;
  }
}
