/**
 * `exec`: run another process inside a running container, confined as the
 * container is (capabilities, seccomp, no_new_privs, user, cgroup). The
 * exec init joins the container's namespaces and spawns the command into
 * its PID namespace (see src/process/init.ts); the command sees the
 * container's root and environment and is visible in the container's `ps`.
 *
 * @module
 */

import { engineKeyring } from "../security/session_keyring.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { UserError } from "../errors.ts";
import type { InitStdio } from "../process/init_config.ts";
import { openContainerCgroup } from "../cgroup/container_cgroup.ts";
import { type SpawnedInit, spawnExecInit } from "../process/spawn_init.ts";
import { openContainerPty } from "../rootfs/container_pty.ts";
import { drainPipes, type OutputSink, relayPipes } from "../process/pipe_relay.ts";
import { relayTty } from "../process/tty_relay.ts";
import { encodeBase64 } from "../_base64.ts";
import type { StateRoot } from "../store/paths.ts";
import { mergeEnv, runtimeEnv } from "./_env.ts";
import { capabilityList, execProcess, securityOf } from "./container_spec.ts";
import { containerSeccomp, containerSeccompProgram } from "./container_seccomp.ts";
import { exitCodeOf } from "./container_exit.ts";
import { execSpawnStdio } from "./attach_mode.ts";
import { isSameProcess } from "../process/proc.ts";
import type { ContainerRecord } from "./record.ts";
import { recordEvent } from "../events/events.ts";
import { newId } from "../store/ids.ts";
import { eventSubject } from "./events.ts";

/** What `exec` runs and how it is attached. */
export interface ExecSpec {
  cmd: string[];
  /** `-e` entries, on top of the container's environment. */
  env: string[];
  workingDir?: string;
  tty: boolean;
  interactive: boolean;
  detach: boolean;
  /** `-u`: else the container's user. */
  user?: string;
  privileged: boolean;
  /** Without a terminal: the output goes here instead of this process's stdout and stderr. */
  output?: OutputSink;
  /** Told the exec init's host PID once the command runs (to stop a health probe that overran). */
  onStarted?: (initPid: number) => void;
}

/**
 * Runs `spec` in `record`'s container; resolves to its exit code (0 when
 * detached). `ahead` is its exec init when the caller spawned it already
 * (`exec`, with execSpawnStdio's fds, before it loaded this module); the
 * caller stops it if this throws.
 */
export async function execInContainer(
  root: StateRoot,
  kernel: Kernel,
  record: ContainerRecord,
  spec: ExecSpec,
  ahead?: SpawnedInit,
): Promise<number> {
  const { state } = record;
  const running = () => state.status === "running" && isSameProcess(state.pid, state.pidStartTime);
  // Docker's CLI exits 1 when the daemon refuses the exec.
  const notRunning = () =>
    new UserError(`Error response from daemon: Container ${record.id} is not running`, 1);
  if (!running()) throw notRunning();
  if (state.paused) {
    throw new UserError(
      `Error response from daemon: Container ${record.name} is paused, unpause the container before exec`,
      1,
    );
  }
  // Docker's exec events: the action names the command (its first word, a space, the rest).
  const execId = newId();
  const command = `${spec.cmd[0]} ${spec.cmd.slice(1).join(" ")}`;
  const execEvent = (action: string, extra: Record<string, string> = {}) =>
    recordEvent(root, action, eventSubject(record), { execID: execId, ...extra });
  execEvent(`exec_create: ${command}`);
  const env = mergeEnv(runtimeEnv(record.config), [
    ...(spec.tty ? ["TERM=xterm"] : []),
    ...spec.env,
  ]);
  const security = securityOf(record.config);
  const process = execProcess(record.config, {
    args: spec.cmd,
    env,
    cwd: spec.workingDir ?? record.config.workingDir,
    terminal: spec.tty,
    privileged: spec.privileged,
  });
  // The container's filter (runc applies it to every exec), before anything is spawned:
  // no libseccomp, no exec.
  const seccomp = await containerSeccomp(root, kernel, security, capabilityList(security));
  const program = await containerSeccompProgram(root, kernel, seccomp);
  let stdio: InitStdio = { kind: "inherit" };
  let master: number | undefined;
  if (spec.detach) {
    stdio = { kind: "log", path: "/dev/null" };
  } else if (spec.tty) {
    // From the container's own devpts: the terminal is /dev/pts/N inside.
    const pty = openContainerPty(kernel, `/proc/${state.pid}/root`);
    master = pty.master;
    // Sized before the command starts: a shell reads its size once, at start-up.
    if (Deno.stdin.isTerminal()) kernel.setWinSize(pty.master, kernel.getWinSize(0));
    stdio = { kind: "tty", slavePath: `/dev/pts/${pty.index}` };
  }
  try {
    const spawned = ahead ?? spawnExecInit(kernel, execSpawnStdio(spec));
    spawned.channel.sendJob({
      kind: "exec",
      targetPid: state.pid,
      targetStartTime: state.pidStartTime,
      namespaces: record.config.networkMode === "host"
        ? ["ipc", "uts", "pid", "cgroup", "mnt"]
        : ["ipc", "uts", "net", "pid", "cgroup", "mnt"],
      process,
      seccompProgram: program && encodeBase64(program),
      userRequest: { user: spec.user ?? security.user ?? "", groupAdd: security.groupAdd },
      stdio,
      detach: spec.detach,
      sessionKeyring: engineKeyring(record.id),
    });
    try {
      // The exec'd command counts against the container's limits, as Docker's does.
      openContainerCgroup(record.id, record.config.resources).addProcess(spawned.pid);
    } catch (err) {
      spawned.channel.close(); // the init reads no `start` and exits
      await spawned.status;
      throw err;
    }
    execEvent(`exec_start: ${command}`);
    const failure = spawned.channel.start();
    if (failure) {
      await spawned.status;
      // Docker's words and code for a process that could not be started by exec: 126, whatever the cause.
      throw new UserError(
        `OCI runtime exec failed: exec failed: unable to start container process: ${failure.message}: unknown`,
        126,
      );
    }
    if (spec.detach) {
      spawned.child.unref();
      return 0;
    }
    spec.onStarted?.(spawned.pid);
    if (master !== undefined) await relayTty(kernel, master, spec.interactive);
    else if (spec.output) await drainPipes(spawned.child, spec.output);
    else await relayPipes(spawned.child, spec.interactive);
    const exitCode = exitCodeOf(await spawned.status);
    execEvent("exec_die", { exitCode: String(exitCode) });
    return exitCode;
  } finally {
    if (master !== undefined) kernel.close(master);
  }
}
