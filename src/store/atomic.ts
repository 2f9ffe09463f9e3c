/**
 * Atomic state writes: write a temporary file beside the target, fsync it,
 * then rename over the target. A reader (or a crash) sees the old file or the
 * new one, never half of one. State files are root-only (0600).
 *
 * @module
 */

/** Writes `data` to `path` atomically, mode 0600. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const file = Deno.openSync(tmp, { write: true, createNew: true, mode: 0o600 });
  try {
    let off = 0;
    while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
    file.syncSync();
  } finally {
    file.close();
  }
  try {
    Deno.renameSync(tmp, path);
  } catch (err) {
    Deno.removeSync(tmp);
    throw err;
  }
}

/** Writes `value` as JSON to `path` atomically. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

/** Reads JSON from `path`, or returns undefined when the file does not exist. */
export function readJson<T>(path: string): T | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
  return JSON.parse(text) as T;
}
