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
 * @module
 */

import { CLONE_NEWNS, O_CLOEXEC, O_RDONLY } from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { ParentChannel } from "./channel.ts";
import { NAMESPACES } from "./namespaces.ts";

/**
 * The init's stdio at spawn. `inherit`: this process's own fds 0-2 (the OCI
 * runtime's, which are the container's: its caller's pipes).
 */
export interface SpawnStdio {
  stdin: "piped" | "null" | "inherit";
  stdout: "piped" | "null" | "inherit";
  stderr: "piped" | "null" | "inherit";
}

/** A spawned init, blocked until the parent sends its job. */
export interface SpawnedInit {
  child: Deno.ChildProcess;
  pid: number;
  channel: ParentChannel;
}

/**
 * argv that runs this program again with `args`: the executable itself when
 * compiled, else the running Deno with the program's entry module
 * (`main.ts`, or the bundle `make build` made of it), so the init is always
 * the same code as the CLI that started it.
 */
export function selfCommand(...args: string[]): { path: string; args: string[] } {
  if (Deno.build.standalone) return { path: Deno.execPath(), args };
  return {
    path: Deno.execPath(),
    args: [
      "run",
      "--allow-all",
      "--no-prompt",
      "--quiet",
      "--no-config",
      "--no-lock",
      Deno.mainModule,
      ...args,
    ],
  };
}

/**
 * Runs `enter` (which moves the main thread into other namespaces), spawns
 * the init, then returns the main thread to the namespaces it had before.
 */
function spawnIn(
  kernel: Kernel,
  names: readonly string[],
  enter: () => void,
  stdio: SpawnStdio,
): SpawnedInit {
  const channel = ParentChannel.open(kernel);
  const own = NAMESPACES.filter(([name]) => names.includes(name)).map(([name, flag]) => ({
    flag,
    fd: kernel.open(`/proc/self/ns/${name}`, O_RDONLY | O_CLOEXEC),
  }));
  // setns into a mount namespace resets the cwd to its root: put it back after.
  const cwd = Deno.cwd();
  const { path, args } = selfCommand("init");
  let child: Deno.ChildProcess;
  try {
    enter();
    try {
      child = new Deno.Command(path, { args, env: channel.childEnv(), ...stdio }).spawn();
    } finally {
      for (const { fd, flag } of own) kernel.setns(fd, flag);
      if (names.includes("mnt")) Deno.chdir(cwd);
    }
  } catch (err) {
    channel.close();
    throw err;
  } finally {
    for (const { fd } of own) kernel.close(fd);
  }
  channel.closeChildEnds();
  return { child, pid: child.pid, channel };
}

/**
 * The namespaces of an OCI container's init, as named under /proc/<pid>/ns:
 * those to make (`create`) and those to join (`join`, each the path of a
 * namespace file, e.g. /var/run/netns/x or /proc/123/ns/net).
 */
export interface NamespacePlan {
  create: string[];
  join: Array<{ name: string; path: string }>;
}

/**
 * The OCI runtime's init: setns(2) into each namespace of `plan.join` (all
 * opened first), unshare(2) of those of `plan.create`, spawn, and back to
 * this process's own namespaces. A mount namespace is never joined (the
 * init pivots its root in one of its own): setns(CLONE_NEWNS) would need
 * unshare(CLONE_FS) first, which a thread sharing its fs_struct with
 * Deno's other threads must do.
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
  const enter = () => {
    const fds = joins.map((j) => ({ flag: j.flag, fd: kernel.open(j.path, O_RDONLY | O_CLOEXEC) }));
    try {
      if (joins.some((j) => j.flag === CLONE_NEWNS)) {
        throw new Error("joining a mount namespace is not supported for a new container");
      }
      for (const { fd, flag } of fds) kernel.setns(fd, flag);
    } finally {
      for (const { fd } of fds) kernel.close(fd);
    }
    if (flags !== 0) kernel.unshare(flags);
  };
  return spawnIn(kernel, names, enter, stdio);
}

/**
 * The init of an `exec`, spawned in the host's namespaces: it joins the
 * container's itself, and only its child, the user's command, enters the
 * container's PID namespace (see init.ts).
 */
export function spawnExecInit(kernel: Kernel, stdio: SpawnStdio): SpawnedInit {
  return spawnIn(kernel, [], () => {}, stdio);
}
