/**
 * Whether a container's network mode has no dockergsh network: `host` (the
 * host's stack) or `none` (loopback only). Its own module so that a start,
 * create or release of such a container decides this without loading the
 * network stack (container_network.ts and src/network/, ~60 KB of bundle a
 * `run --net none` would otherwise read at every start).
 *
 * @module
 */

/** True for the modes that have no dockergsh network (the host's stack, or loopback only). */
export function isPseudoNetwork(mode: string): boolean {
  return mode === "host" || mode === "none";
}
