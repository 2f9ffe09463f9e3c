/**
 * Spawning the init (`dockergsh init`), this program re-executed, with
 * the channel it gets its job on: what the plain spawn (spawn_init.ts)
 * and the spawn through a user namespace's helper (userns_spawn.ts) share.
 *
 * @module
 */

import { O_CLOEXEC, O_RDONLY } from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import type { LinuxIdMapping } from "../oci/spec.ts";
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
  /**
   * The process spawned: the init itself, or the helper that made its user
   * namespace (its stdio are the init's; see spawnInUserNamespace).
   */
  child: Deno.ChildProcess;
  pid: number;
  channel: ParentChannel;
  /** Settles when the init exits. */
  status: Promise<Deno.CommandStatus>;
}

/** How to run the init's argv: as is, or under a helper program. */
export type Launcher = (
  program: { path: string; args: string[] },
) => { path: string; args: string[] };

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
export function spawnIn(
  kernel: Kernel,
  names: readonly string[],
  enter: () => void,
  stdio: SpawnStdio,
  launch: Launcher = (program) => program,
  env?: Record<string, string>,
): SpawnedInit {
  const channel = ParentChannel.open(kernel);
  const own = NAMESPACES.filter(([name]) => names.includes(name)).map(([name, flag]) => ({
    flag,
    fd: kernel.open(`/proc/self/ns/${name}`, O_RDONLY | O_CLOEXEC),
  }));
  // setns into a mount namespace resets the cwd to its root: put it back after.
  const cwd = Deno.cwd();
  const { path, args } = launch(selfCommand("init"));
  let child: Deno.ChildProcess;
  try {
    enter();
    try {
      child = new Deno.Command(path, {
        args,
        env: { ...channel.childEnv(), ...env },
        // A given environment is the whole of it (see confinedInitEnv).
        clearEnv: env !== undefined,
        ...stdio,
      }).spawn();
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
  return { child, pid: child.pid, channel, status: child.status };
}

/**
 * The namespaces of an OCI container's init, as named under /proc/<pid>/ns:
 * those to make (`create`) and those to join (`join`, each the path of a
 * namespace file, e.g. /var/run/netns/x or /proc/123/ns/net).
 */
export interface NamespacePlan {
  create: string[];
  join: Array<{ name: string; path: string }>;
  /** The maps of a new user namespace (`user` in `create`). */
  idMappings?: { uid: LinuxIdMapping[]; gid: LinuxIdMapping[] };
}
