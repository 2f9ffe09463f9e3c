/**
 * A full disk under the state root. Commands that need space fail with one
 * line naming the state root (NoSpaceError); reads and removals do not
 * need space: a state update they would make on the way (a record
 * refreshed from the kernel, an address returned to its pool) is skipped
 * when the disk is full, since what it records is either re-learnt from the
 * kernel on the next read or reclaimed later.
 *
 * @module
 */

import { debug } from "../debug.ts";
import { NoSpaceError } from "../errors.ts";
import type { StateRoot } from "./paths.ts";

/** True for "no space left on device" (or a quota's "disk quota exceeded"). */
export function isNoSpace(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && (code === "ENOSPC" || code === "EDQUOT");
}

/**
 * An ENOSPC of a path under `root` (not, say, a cgroup file's ENOSPC,
 * which is the kernel refusing a task) as a NoSpaceError; any other
 * error as it is.
 */
function asNoSpace(root: StateRoot, err: unknown): unknown {
  if (err instanceof NoSpaceError || !isNoSpace(err)) return err;
  const message = (err as Error).message;
  if (!message.includes(`${root.root}/`)) return err;
  // "write /x: No space left on device (os error 28)" -> "write /x"; Deno's "…: open '/x'" -> "open '/x'"
  const detail = message.replace(/:? *No space left on device \(os error 28\):? */i, " ").trim();
  return new NoSpaceError(root.root, detail);
}

/**
 * Runs `fn` (which needs space under `root`); a full disk becomes one
 * NoSpaceError. With `doing`, every ENOSPC is taken as the root's (for
 * work that writes only there, through calls whose errors name no path).
 */
export function needsSpace<T>(root: StateRoot, fn: () => T, doing?: string): T {
  const convert = (err: unknown) =>
    doing !== undefined && isNoSpace(err) && !(err instanceof NoSpaceError)
      ? new NoSpaceError(root.root, doing)
      : asNoSpace(root, err);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    throw convert(err);
  }
  if (result instanceof Promise) {
    return result.catch((err) => Promise.reject(convert(err))) as T;
  }
  return result;
}

/**
 * Runs the state update `fn`, skipped (with a debug line) when the disk is
 * full: for updates a read or a removal makes on the way, which must not
 * fail for want of space. Returns whether it was done.
 */
export function unlessDiskFull(what: string, fn: () => void): boolean {
  try {
    fn();
    return true;
  } catch (err) {
    if (!isNoSpace(err)) throw err;
    debug("store", `${what}: skipped, no space left: ${(err as Error).message}`);
    return false;
  }
}
