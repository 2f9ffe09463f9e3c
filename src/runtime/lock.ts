/**
 * One container's lock: flock(2) on `<root>/<id>/lock`, held by every
 * operation that reads and changes it (create holds it from the moment the
 * directory exists). The kernel drops it when its holder dies.
 *
 * @module
 */

import { notExist } from "./errors.ts";
import type { ContainerPaths } from "./paths.ts";

/** An exclusive lock; `release` it (closing drops it). */
export interface ContainerLock {
  release(): void;
}

/**
 * Takes container `id`'s lock, waiting for another holder. Throws "does
 * not exist" when the container's directory is not there.
 */
export async function lockContainer(paths: ContainerPaths, id: string): Promise<ContainerLock> {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(paths.lock, { read: true, write: true, create: true, mode: 0o600 });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) throw notExist(id);
    throw err;
  }
  await file.lock(true);
  return { release: () => file.close() };
}

/** Runs `fn` holding container `id`'s lock. */
export async function withContainerLock<T>(
  paths: ContainerPaths,
  id: string,
  fn: () => Promise<T> | T,
): Promise<T> {
  const lock = await lockContainer(paths, id);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
