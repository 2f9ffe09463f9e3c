/**
 * Starting the container init in new namespaces from a multi-threaded Deno
 * process: unshare(2) on the main thread moves only that thread, the init
 * spawned right after lands in all the new namespaces (PID 1 of the new PID
 * namespace), and setns(2) then returns the main thread to the host's.
 *
 * @module
 */

import {
  CLONE_NEWIPC,
  CLONE_NEWNET,
  CLONE_NEWNS,
  CLONE_NEWPID,
  CLONE_NEWUTS,
  O_CLOEXEC,
  O_RDONLY,
} from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { ParentChannel } from "./channel.ts";

/** The namespaces a container gets, in the order setns restores them. */
const NAMESPACES: ReadonlyArray<[name: string, flag: number]> = [
  ["ipc", CLONE_NEWIPC],
  ["uts", CLONE_NEWUTS],
  ["net", CLONE_NEWNET],
  ["pid", CLONE_NEWPID],
  ["mnt", CLONE_NEWNS],
];

/** How the init's stdio is connected at spawn. */
export interface InitSpawnOptions {
  /** Share the host's network namespace (`--net host`). */
  hostNetwork: boolean;
  stdin: "inherit" | "null";
  stdout: "inherit" | "null";
  stderr: "inherit" | "null";
}

/** A spawned init, blocked until the parent sends its config. */
export interface SpawnedInit {
  child: Deno.ChildProcess;
  pid: number;
  channel: ParentChannel;
}

/** argv that re-executes this program as `dockergsh init`, compiled or under `deno run`. */
export function initCommand(): { path: string; args: string[] } {
  if (Deno.build.standalone) return { path: Deno.execPath(), args: ["init"] };
  const main = new URL("../../main.ts", import.meta.url).pathname;
  return {
    path: Deno.execPath(),
    args: ["run", "--allow-all", "--no-prompt", "--quiet", main, "init"],
  };
}

/** unshare → spawn init → setns back. The init waits on the channel for its config. */
export function spawnInit(kernel: Kernel, opts: InitSpawnOptions): SpawnedInit {
  const kinds = NAMESPACES.filter(([name]) => !(name === "net" && opts.hostNetwork));
  const channel = ParentChannel.open(kernel);
  const hostNs = kinds.map(([name, flag]) => ({
    flag,
    fd: kernel.open(`/proc/self/ns/${name}`, O_RDONLY | O_CLOEXEC),
  }));
  // setns into a mount namespace resets the cwd to its root: put it back after.
  const cwd = Deno.cwd();
  const { path, args } = initCommand();
  let child: Deno.ChildProcess;
  try {
    kernel.unshare(kinds.reduce((flags, [, flag]) => flags | flag, 0));
    try {
      child = new Deno.Command(path, {
        args,
        env: channel.childEnv(),
        stdin: opts.stdin,
        stdout: opts.stdout,
        stderr: opts.stderr,
      }).spawn();
    } finally {
      for (const { fd, flag } of hostNs) kernel.setns(fd, flag);
      Deno.chdir(cwd);
    }
  } catch (err) {
    channel.close();
    throw err;
  } finally {
    for (const { fd } of hostNs) kernel.close(fd);
  }
  channel.closeChildEnds();
  return { child, pid: child.pid, channel };
}
