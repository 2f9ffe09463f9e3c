/**
 * A synchronous wait, for the init and the spawn, which are synchronous:
 * they poll the kernel and have nothing else to do meanwhile.
 *
 * @module
 */

/** Blocks the calling thread for `ms`. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
