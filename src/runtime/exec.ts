/**
 * `exec`: another process in a container, confined as the container's
 * `process` says (or as the `--process` file says). The exec init joins
 * the container's namespaces and spawns the process into its PID
 * namespace (see init.ts), after this process has put it in the
 * container's cgroup. With `--detach` the process's host PID goes to the
 * pid file and exec returns: the exec init exits, and the caller (a
 * subreaper, such as containerd's shim) inherits the process. Without, it
 * waits and exits with the process's status.
 *
 * @module
 */

import { AF_UNIX, O_RDONLY, SOCK_CLOEXEC, SOCK_STREAM } from "../../ffi/constants.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { openContainerCgroup } from "../cgroup/container_cgroup.ts";
import { debug } from "../debug.ts";
import type { Process } from "../oci/spec.ts";
import type { ExecConfig, InitStdio } from "../process/init_config.ts";
import { isSameProcess } from "../process/proc.ts";
import { type SpawnedInit, spawnExecInit } from "../process/spawn_init.ts";
import { openContainerPty } from "../rootfs/container_pty.ts";
import { writeFileAtomic } from "../store/atomic.ts";
import { encodeBase64 } from "../_base64.ts";
import { checkProcess, consoleSize } from "./bundle.ts";
import { notExist, RuntimeError } from "./errors.ts";
import { execNamespaces } from "./namespace_plan.ts";
import type { RuntimeRoot } from "./paths.ts";
import { readRecord, type RuntimeRecord } from "./record.ts";
import { seccompProgramFor } from "./seccomp_cache.ts";
import { statusOf } from "./status.ts";

/** `exec`'s flags. */
export interface ExecOptions {
  /** `--process FILE`: a runtime-spec `process` object; else `args` over the container's. */
  processFile?: string;
  args: string[];
  detach: boolean;
  pidFile?: string;
  consoleSocket?: string;
  tty: boolean;
  cwd?: string;
  env: string[];
  /** `--user UID[:GID]`. */
  user?: string;
  /** `--ignore-paused`: exec into a paused container (the process starts frozen). */
  ignorePaused?: boolean;
}

/** `--user UID[:GID]` as numbers. */
function parseUser(user: string): { uid: number; gid: number } {
  const m = /^([0-9]+)(?::([0-9]+))?$/.exec(user);
  if (!m) throw new RuntimeError(`--user ${JSON.stringify(user)}: use UID[:GID] (numbers)`);
  return { uid: Number(m[1]), gid: Number(m[2] ?? 0) };
}

/** The process to run: the `--process` file, or the flags over the container's own process. */
function execProcess(base: Process, opts: ExecOptions): Process {
  if (opts.processFile !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Deno.readTextFileSync(opts.processFile));
    } catch (err) {
      throw new RuntimeError(`--process ${opts.processFile}: ${(err as Error).message}`);
    }
    checkProcess(parsed, "--process");
    return parsed;
  }
  if (opts.args.length === 0) throw new RuntimeError("exec: no command given (ARGS or --process)");
  const user = opts.user === undefined ? base.user : { ...base.user, ...parseUser(opts.user) };
  return {
    ...base,
    args: opts.args,
    terminal: opts.tty,
    cwd: opts.cwd ?? base.cwd,
    env: [...(base.env ?? []), ...opts.env],
    user,
  };
}

/**
 * A pty from the container's devpts, sized as `process.consoleSize` says,
 * its master sent to the console socket; its slave's path.
 */
function consoleForExec(kernel: Kernel, socket: string, pid: number, process: Process): string {
  const sock = kernel.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  try {
    kernel.connectUnix(sock, socket);
    const pty = openContainerPty(kernel, `/proc/${pid}/root`);
    try {
      const name = `/dev/pts/${pty.index}`;
      const size = consoleSize(process);
      if (size) kernel.setWinSize(pty.master, size);
      kernel.sendFd(sock, new TextEncoder().encode(name), pty.master);
      return name;
    } finally {
      kernel.close(pty.master);
    }
  } finally {
    kernel.close(sock);
  }
}

/**
 * A descriptor of the user namespace of `record`'s init, inheritable (for
 * nsenter), opened before its PID is checked: a PID that was recycled
 * meanwhile fails the check instead of lending its namespace to the exec.
 */
function openUserNamespace(kernel: Kernel, record: RuntimeRecord): number {
  const fd = kernel.open(`/proc/${record.pid}/ns/user`, O_RDONLY);
  if (!isSameProcess(record.pid, record.pidStartTime)) {
    kernel.close(fd);
    throw new RuntimeError(`container "${record.id}": its init is gone`);
  }
  return fd;
}

/** Runs a process in container `id`; resolves to its exit code (0 when detached). */
export async function execInContainer(
  root: RuntimeRoot,
  kernel: Kernel,
  id: string,
  opts: ExecOptions,
): Promise<number> {
  const paths = root.container(id);
  const record = readRecord(paths);
  if (!record) throw notExist(id);
  const containerStatus = statusOf(paths, record);
  if (containerStatus === "stopped") {
    throw new RuntimeError(`cannot exec in a stopped container "${id}"`);
  }
  if (containerStatus === "paused" && !opts.ignorePaused) {
    throw new RuntimeError("cannot exec in a paused container (use --ignore-paused to override)");
  }
  const process = execProcess(record.spec.process!, opts);
  if (process.terminal && opts.consoleSocket === undefined) {
    throw new RuntimeError("a terminal is asked for: --console-socket is required");
  }
  if (!process.terminal && opts.consoleSocket !== undefined) {
    throw new RuntimeError("--console-socket is given but the process has no terminal");
  }
  const seccomp = record.spec.linux?.seccomp;
  const program = await seccompProgramFor(root.seccompCache, kernel, seccomp);
  let stdio: InitStdio = { kind: "inherit" };
  if (opts.consoleSocket !== undefined) {
    stdio = {
      kind: "tty",
      slavePath: consoleForExec(kernel, opts.consoleSocket, record.pid, process),
    };
  }
  const namespaces = execNamespaces(record.spec);
  const userNs = namespaces.includes("user") ? openUserNamespace(kernel, record) : undefined;
  let spawned: SpawnedInit;
  try {
    spawned = spawnExecInit(
      kernel,
      { stdin: "inherit", stdout: "inherit", stderr: "inherit" },
      userNs,
    );
  } finally {
    if (userNs !== undefined) kernel.close(userNs);
  }
  const job: ExecConfig = {
    kind: "exec",
    targetPid: record.pid,
    targetStartTime: record.pidStartTime,
    namespaces,
    process,
    seccompProgram: program ? encodeBase64(program) : undefined,
    stdio,
    detach: opts.detach,
    reportPid: true,
    sessionKeyring: record.sessionKeyring,
  };
  spawned.channel.sendJob(job);
  try {
    // The process counts against the container's limits.
    openContainerCgroup(record.cgroup.name, { cgroupParent: record.cgroup.parent })
      .addProcess(spawned.pid);
  } catch (err) {
    spawned.channel.close(); // the init reads no `start` and exits
    await spawned.status;
    throw err;
  }
  const verdict = spawned.channel.startForPid();
  if (!("pid" in verdict)) {
    await spawned.status;
    throw new RuntimeError(verdict.message);
  }
  debug("exec", `process is pid ${verdict.pid} (host view)`);
  if (opts.pidFile !== undefined) writeFileAtomic(opts.pidFile, `${verdict.pid}`);
  // The exec init exits once the process is spawned (detached) or with the process's status.
  const status = await spawned.status;
  return opts.detach ? 0 : status.code;
}
