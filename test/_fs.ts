/**
 * File-system helpers for tests.
 *
 * @module
 */

/** Whether something is at `path` (not following a final symlink). */
export function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}
