/**
 * `exec`: run another process inside a running container. It joins all of
 * the container's namespaces (the parent joins the PID namespace for the
 * spawn, the init joins ipc, uts, net and mnt), sees the container's root
 * and environment, and is visible in the container's `ps`.
 *
 * @module
 */

import type { Kernel } from "../../ffi/kernel.ts";
import { UserError } from "../errors.ts";
import type { InitStdio } from "../process/init_config.ts";
import { openContainerCgroup } from "../cgroup/container_cgroup.ts";
import { spawnExecInit } from "../process/spawn_init.ts";
import { relayTty } from "../process/tty_relay.ts";
import { mergeEnv } from "./_env.ts";
import { exitCodeOf } from "./container_exit.ts";
import { isSameProcess } from "./proc.ts";
import type { ContainerRecord } from "./record.ts";

/** What `exec` runs and how it is attached. */
export interface ExecSpec {
  cmd: string[];
  /** `-e` entries, on top of the container's environment. */
  env: string[];
  workingDir?: string;
  tty: boolean;
  interactive: boolean;
  detach: boolean;
}

/** Runs `spec` in `record`'s container; resolves to its exit code (0 when detached). */
export async function execInContainer(
  kernel: Kernel,
  record: ContainerRecord,
  spec: ExecSpec,
): Promise<number> {
  const { state } = record;
  const running = () => state.status === "running" && isSameProcess(state.pid, state.pidStartTime);
  // Docker's CLI exits 1 when the daemon refuses the exec.
  const notRunning = () =>
    new UserError(`Error response from daemon: container ${record.id} is not running`, 1);
  if (!running()) throw notRunning();
  let stdio: InitStdio = { kind: "inherit" };
  let master: number | undefined;
  if (spec.detach) {
    stdio = { kind: "log", path: "/dev/null" };
  } else if (spec.tty) {
    // From the container's own devpts: the terminal is /dev/pts/N inside.
    const pty = kernel.openPty(`/proc/${state.pid}/root/dev/pts`);
    master = pty.master;
    // Sized before the command starts: a shell reads its size once, at start-up.
    if (Deno.stdin.isTerminal()) kernel.setWinSize(pty.master, kernel.getWinSize(0));
    stdio = { kind: "tty", slavePath: pty.slavePath };
  }
  const attached = !spec.detach && !spec.tty;
  try {
    let spawned;
    try {
      spawned = spawnExecInit(kernel, state.pid, {
        stdin: attached && spec.interactive ? "inherit" : "null",
        stdout: attached ? "inherit" : "null",
        stderr: attached ? "inherit" : "null",
      });
    } catch (err) {
      // A PID namespace whose PID 1 died takes no new process.
      if (!running()) throw notRunning();
      throw err;
    }
    try {
      // Checked again now that its PID namespace is open: the PID was the
      // container's all along, not a recycled one, so the namespace is its.
      if (!running()) throw notRunning();
      // The exec'd command counts against the container's limits, as Docker's does.
      openContainerCgroup(record.id, record.config.resources).addProcess(spawned.pid);
    } catch (err) {
      spawned.channel.close(); // the init reads no job and exits
      await spawned.child.status;
      throw err;
    }
    const env = mergeEnv(record.config.env, [
      ...(spec.tty ? ["TERM=xterm"] : []),
      ...spec.env,
    ]);
    spawned.channel.sendConfig({
      kind: "exec",
      targetPid: state.pid,
      namespaces: record.config.networkMode === "host"
        ? ["ipc", "uts", "mnt"]
        : ["ipc", "uts", "net", "mnt"],
      cmd: spec.cmd,
      env,
      workingDir: spec.workingDir ?? record.config.workingDir,
      stdio,
    });
    const failure = spawned.channel.awaitExec();
    if (failure) {
      await spawned.child.status;
      throw new UserError(`dockergsh: ${failure.message}`, failure.exitCode);
    }
    if (spec.detach) {
      spawned.child.unref();
      return 0;
    }
    if (master !== undefined) await relayTty(kernel, master, spec.interactive);
    return exitCodeOf(await spawned.child.status);
  } finally {
    if (master !== undefined) kernel.close(master);
  }
}
