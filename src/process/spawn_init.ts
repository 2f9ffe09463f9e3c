/**
 * Spawning the init (`dockergsh init`) from a multi-threaded Deno process.
 *
 * For a new container: unshare(2) on the main thread moves only that
 * thread, the init spawned right after lands in all the new namespaces (PID
 * 1 of the new PID namespace), and setns(2) returns the main thread to the
 * host's namespaces.
 *
 * For `exec`: the init is spawned in the host's namespaces and joins the
 * container's itself (see init.ts).
 *
 * A user namespace is the exception: a multi-threaded process can neither
 * make nor join one, so a single-threaded util-linux program does that
 * step and execs the init (userns_spawn.ts).
 *
 * @module
 */

import { CLONE_FS, CLONE_NEWNS, O_CLOEXEC, O_RDONLY, SIGNALS } from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { type NamespacePlan, type SpawnedInit, spawnIn, type SpawnStdio } from "./_spawn.ts";
import { NAMESPACES } from "./namespaces.ts";
import { spawnExecInitInUserNamespace, spawnInUserNamespace } from "./userns_spawn.ts";

export { type NamespacePlan, selfCommand, type SpawnedInit, type SpawnStdio } from "./_spawn.ts";

/** Whether two paths name the same file (a namespace, here): same device and inode. */
function sameFile(a: string, b: string): boolean {
  const [x, y] = [Deno.statSync(a), Deno.statSync(b)];
  return x.dev === y.dev && x.ino === y.ino;
}

/**
 * The OCI runtime's init: setns(2) into each namespace of `plan.join` (all
 * opened first), unshare(2) of those of `plan.create`, spawn, and back to
 * this process's own namespaces. A mount namespace joined by path (as runc
 * does, the container's root is then built and pivoted in it) needs
 * unshare(CLONE_FS) first: the thread's fs_struct must not be shared with
 * Deno's other threads. The runtime's own mount namespace is refused.
 */
export function spawnPlannedInit(
  kernel: Kernel,
  plan: NamespacePlan,
  stdio: SpawnStdio,
): SpawnedInit {
  const kinds = NAMESPACES.filter(([name]) => plan.create.includes(name));
  const flags = kinds.reduce((all, [, flag]) => all | flag, 0);
  const joins = NAMESPACES.flatMap(([name, flag]) =>
    plan.join.filter((j) => j.name === name).map((j) => ({ flag, path: j.path }))
  );
  const names = [...plan.create, ...plan.join.map((j) => j.name)];
  const join = () => {
    const fds = joins.map((j) => ({ flag: j.flag, fd: kernel.open(j.path, O_RDONLY | O_CLOEXEC) }));
    try {
      const mnt = fds.find((f) => f.flag === CLONE_NEWNS);
      if (mnt) {
        // The container's root is pivoted in the namespace it joins: never this host's own.
        if (sameFile(`/proc/self/fd/${mnt.fd}`, "/proc/self/ns/mnt")) {
          throw new Error(
            "linux.namespaces: the mount namespace to join is the runtime's own: " +
              "pivoting the container's root there would replace the host's",
          );
        }
        // setns(CLONE_NEWNS) needs a thread whose fs_struct is its own, not shared with Deno's.
        kernel.unshare(CLONE_FS);
      }
      for (const { fd, flag } of fds) kernel.setns(fd, flag);
    } finally {
      for (const { fd } of fds) kernel.close(fd);
    }
  };
  if (plan.create.includes("user")) return spawnInUserNamespace(kernel, plan, join, stdio);
  const enter = () => {
    join();
    if (flags !== 0) kernel.unshare(flags);
  };
  return spawnIn(kernel, names, enter, stdio);
}

/**
 * The init of an `exec`, spawned in the host's namespaces: it joins the
 * container's itself, and only its child, the user's command, enters the
 * container's PID namespace (see init.ts). A container with a user
 * namespace of its own (`userNamespace`, a descriptor of it the caller
 * opened, without close-on-exec, and checked to be the container's) is
 * joined first, through nsenter(1).
 */
export function spawnExecInit(
  kernel: Kernel,
  stdio: SpawnStdio,
  userNamespace?: number,
): SpawnedInit {
  if (userNamespace === undefined) return spawnIn(kernel, [], () => {}, stdio);
  return spawnExecInitInUserNamespace(kernel, stdio, userNamespace);
}

/**
 * A function that stops `spawned` for good, once however often it is
 * called: its channel closed (an init still waiting for its job exits on
 * that), SIGKILL for one that got further, and its exit waited for.
 */
export function stopperOf(kernel: Kernel, spawned: SpawnedInit): () => Promise<void> {
  let stopped: Promise<void> | undefined;
  // Reaped already, its PID may be another process's: no signal then.
  let reaped = false;
  spawned.status.then(() => reaped = true, () => reaped = true);
  return () =>
    stopped ??= (async () => {
      spawned.channel.close();
      if (!reaped) {
        try {
          kernel.kill(spawned.pid, SIGNALS.SIGKILL);
        } catch {
          // Already gone.
        }
      }
      await spawned.status;
    })();
}
