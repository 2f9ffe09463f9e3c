/**
 * Cross-process locks for read-modify-write of shared state (names, IPAM).
 * Each lock is flock(2) on a file under `<root>/locks`, taken through
 * `Deno.FsFile.lockSync`; the kernel drops it when the holder dies, so a
 * killed dockergsh never leaves a lock behind.
 *
 * @module
 */

import type { StateRoot } from "./paths.ts";

function openLockFile(root: StateRoot, name: string): Deno.FsFile {
  const path = root.lock(name);
  Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true, mode: 0o700 });
  return Deno.openSync(path, { read: true, write: true, create: true, mode: 0o600 });
}

/** Like `withLock` for an asynchronous `fn`: the lock is waited for without blocking the event loop. */
export async function withLockAsync<T>(
  root: StateRoot,
  name: string,
  fn: () => Promise<T>,
): Promise<T> {
  const file = openLockFile(root, name);
  try {
    await file.lock(true);
    return await fn();
  } finally {
    file.close();
  }
}

/** Runs `fn` while holding the exclusive lock `name` of `root`. */
export function withLock<T>(root: StateRoot, name: string, fn: () => T): T {
  const file = openLockFile(root, name);
  try {
    file.lockSync(true);
    return fn();
  } finally {
    file.close(); // closing releases the lock
  }
}
