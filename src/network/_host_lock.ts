/**
 * Host-wide locks for the kernel's network state. Bridges, routes and
 * iptables chains are shared by every dockergsh state root on the host, so
 * the steps that read and change them (picking a free subnet, the shared
 * isolation chains, host-port checks) are serialised across roots too, not
 * only under the root's own lock. flock(2) on a file under /run: released
 * by the kernel when the holder dies.
 *
 * @module
 */

const DIR = "/run/dockergsh";

/** Runs `fn` while holding the host-wide lock `name`. */
export function withHostLock<T>(name: string, fn: () => T): T {
  Deno.mkdirSync(DIR, { recursive: true, mode: 0o700 });
  const file = Deno.openSync(`${DIR}/${name}.lock`, {
    read: true,
    write: true,
    create: true,
    mode: 0o600,
  });
  try {
    file.lockSync(true);
    return fn();
  } finally {
    file.close(); // closing releases the lock
  }
}
