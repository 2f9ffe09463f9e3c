/**
 * The container init: dockergsh re-executed as `dockergsh init`. It waits
 * for its job from the parent, then either builds a new container from
 * inside its new namespaces and execve's the user's command (which then is
 * PID 1 of the container), or joins a running container and spawns the
 * command there (`exec`).
 *
 * This runs on every container start: it imports no CLI code and no npm.
 *
 * @module
 */

import {
  AF_UNIX,
  CLONE_NEWCGROUP,
  O_APPEND,
  O_CLOEXEC,
  O_CREAT,
  O_NOCTTY,
  O_NONBLOCK,
  O_PATH,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
  PR_SET_DUMPABLE,
  PR_SET_PDEATHSIG,
  S_IFMT,
  S_IFREG,
  SIGNALS,
  SOCK_CLOEXEC,
  SOCK_STREAM,
} from "../../ffi/constants.ts";
import { SyscallError } from "../../ffi/errno.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { LinuxKernel } from "../../ffi/linux.ts";
import { decodeBase64 } from "../_base64.ts";
import { debug, debugEnabled } from "../debug.ts";
import { ExitCode } from "../errors.ts";
import type { Process } from "../oci/spec.ts";
import type { HostCgroupLayout } from "../rootfs/mounts.ts";
import { openContainerPty } from "../rootfs/container_pty.ts";
import { bindConsole, createDevices, createDevLinks } from "../rootfs/devices.ts";
import { maskPaths, readonlyPaths, readonlyRoot } from "../rootfs/masked_paths.ts";
import { mountCgroupTree, mountInto } from "../rootfs/mounts.ts";
import { secureJoin } from "../rootfs/secure_join.ts";
import { makeMountsPrivate, mountOverlay } from "../rootfs/overlay.ts";
import { bindRootOnItself, moveRootInto, pivotInto, setRootPropagation } from "../rootfs/pivot.ts";
import { writeSysctls } from "../rootfs/sysctl.ts";
import { confineProcess } from "../security/confine.ts";
import { loadTrampoline } from "../security/limits_trampoline.ts";
import { planRlimits, type RlimitPlan } from "../security/rlimits.ts";
import { joinContainerKeyring } from "../security/session_keyring.ts";
import { resolveUser } from "../security/user.ts";
import { CREATE_CONTAINER, LineReader, START, writeAll } from "./channel.ts";
import { runHooksInContainer } from "./container_hooks.ts";
import type {
  ExecConfig,
  InitConfig,
  InitConfinement,
  InitFailure,
  InitJob,
  InitStdio,
  UserRequest,
} from "./init_config.ts";
import {
  HELPER_FORK_MS,
  INIT_FDS_ENV,
  INIT_PARENT_ENV,
  INIT_PROGRAM_FDS_ENV,
} from "./init_config.ts";
import { lookupCommand } from "./lookup.ts";
import { joinNamespaces } from "./namespaces.ts";
import { isSameProcess, statFields } from "./proc.ts";
import { sleepSync } from "./_sleep_sync.ts";
import { exitStatusCode } from "./wait_status.ts";

/**
 * Opens what will become fds 0-2; done before pivot_root, while host paths
 * resolve. `root` is the container's root, whose devpts gives a console;
 * `consoleSocket`, the console socket connected already (see runCreate).
 */
export function openStdio(
  kernel: Kernel,
  stdio: InitStdio,
  root = "/",
  consoleSocket?: number,
): number[] | undefined {
  switch (stdio.kind) {
    case "inherit":
      return undefined;
    case "tty": {
      const fd = kernel.open(stdio.slavePath, O_RDWR | O_CLOEXEC);
      return [fd, fd, fd];
    }
    case "log": {
      const nul = stdio.keepStdin ? 0 : kernel.open("/dev/null", O_RDONLY | O_CLOEXEC);
      const log = kernel.open(stdio.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600);
      const err = stdio.stderrPath === undefined
        ? log
        : kernel.open(stdio.stderrPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600);
      return [nul, log, err];
    }
    case "console": {
      const sock = consoleSocket ?? connectConsole(kernel, stdio.socket);
      const fd = openConsole(kernel, sock, root, stdio.size);
      return [fd, fd, fd];
    }
  }
}

/** A socket connected to the console socket at `path`. */
function connectConsole(kernel: Kernel, path: string): number {
  const sock = kernel.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  try {
    kernel.connectUnix(sock, path);
    return sock;
  } catch (err) {
    kernel.close(sock);
    throw err;
  }
}

/**
 * runc's console protocol: a pty from the container's own devpts (mounted
 * by now), its master sent over the console socket connected as `sock`
 * with SCM_RIGHTS (the slave's name as the message), the slave kept. The
 * socket's owner (containerd's shim) relays the terminal from then on.
 */
function openConsole(
  kernel: Kernel,
  sock: number,
  root: string,
  size: { rows: number; cols: number } | undefined,
): number {
  try {
    const pty = openContainerPty(kernel, root);
    try {
      const name = `/dev/pts/${pty.index}`;
      const slave = kernel.openInRoot(root, name, O_RDWR | O_NOCTTY | O_CLOEXEC);
      // Sized before the command starts: a shell reads its size once, at start-up.
      if (size) kernel.setWinSize(pty.master, size);
      kernel.sendFd(sock, new TextEncoder().encode(name), pty.master);
      return slave;
    } finally {
      kernel.close(pty.master);
    }
  } finally {
    kernel.close(sock);
  }
}

/** A terminal becomes the controlling tty and the console. */
function isTerminal(stdio: InitStdio): boolean {
  return stdio.kind === "tty" || stdio.kind === "console";
}

/** True when `spec` asks for a new namespace of `type`. */
function hasNamespace(config: InitConfig, type: string): boolean {
  return (config.spec.linux?.namespaces ?? []).some((ns) => ns.type === type && !ns.path);
}

/**
 * Builds the container from inside its new namespaces, in the order the
 * kernel needs: private propagation, the overlay, the OCI `mounts` (kernel
 * filesystems and binds, while host paths still resolve), device nodes,
 * the console, pivot_root, masked and read-only paths, the working
 * directory, a read-only root, hostname, loopback. None of it needs the container's cgroup, so it runs
 * while the parent is still putting the init there; the cgroup namespace
 * and tree follow on `start` (see `enterCgroups`).
 *
 * `openStdio` runs just before pivot_root (its paths are host paths) and
 * returns the fds that become 0-2. With a terminal, its slave is also
 * bind-mounted on /dev/console (as runc does), which gives
 * `tty`/ttyname() a path inside the container that names it.
 * `newRoot` is where "/" is after pivot_root: "" for real; tests that record
 * kernel calls without pivoting point it at the root directory.
 * `beforePivot` runs last before pivot_root (the OCI createContainer hooks).
 */
export function buildContainer(
  kernel: Kernel,
  config: InitConfig,
  openStdio: () => number[] | undefined,
  newRoot = "",
  beforePivot: () => void = () => {},
): number[] | undefined {
  const { spec } = config;
  const root = spec.root.path;
  makeMountsPrivate(kernel);
  if (config.overlay) mountOverlay(kernel, config.overlay, root);
  bindRootOnItself(kernel, root);
  for (const m of spec.mounts ?? []) if (m.type !== "cgroup") mountInto(kernel, root, m);
  createDevices(kernel, root, spec.linux?.devices ?? [], config.userNamespace === true);
  createDevLinks(root);
  const fds = openStdio();
  // Before pivot_root: the console bind's source (the host's view of the fd) must still resolve.
  if (isTerminal(config.stdio) && fds) bindConsole(kernel, fds[0], root);
  beforePivot();
  if (config.noPivot) moveRootInto(kernel, root);
  else pivotInto(kernel, root);
  if (spec.linux?.rootfsPropagation) setRootPropagation(kernel, spec.linux.rootfsPropagation);
  // Before the read-only paths: /proc/sys is one of them.
  writeSysctls(spec.linux?.sysctl ?? {}, newRoot);
  maskPaths(kernel, spec.linux?.maskedPaths ?? [], newRoot);
  readonlyPaths(kernel, spec.linux?.readonlyPaths ?? [], newRoot);
  // A missing working directory is made (as Docker), before a read-only root forbids it.
  Deno.mkdirSync(`${newRoot}${spec.process.cwd}`, { recursive: true });
  if (spec.root.readonly) readonlyRoot(kernel);
  if (spec.hostname !== undefined && hasNamespace(config, "uts")) kernel.sethostname(spec.hostname);
  if (hasNamespace(config, "network")) kernel.linkUp("lo");
  return fds;
}

/**
 * On `start`, in the container's cgroup now: its own cgroup namespace
 * (rooted at that cgroup, which is why it waits for it), then the cgroup
 * tree of `mounts` from the host's hierarchies `hostCgroups`, showing that
 * cgroup only.
 */
export function enterCgroups(
  kernel: Kernel,
  config: InitConfig,
  hostCgroups: HostCgroupLayout,
  newRoot = "",
): void {
  if (hasNamespace(config, "cgroup")) kernel.unshare(CLONE_NEWCGROUP);
  for (const m of config.spec.mounts ?? []) {
    if (m.type === "cgroup") {
      mountCgroupTree(
        kernel,
        secureJoin(newRoot, m.destination),
        m.options ?? [],
        hostCgroups,
      );
    }
  }
}

/** Makes `fds` the process's stdin, stdout and stderr. */
function attachStdio(kernel: Kernel, stdio: InitStdio, fds: number[] | undefined): void {
  if (!fds) return;
  fds.forEach((fd, target) => kernel.dup2(fd, target));
  if (isTerminal(stdio)) kernel.setControllingTty(0);
}

/** chdir to the working directory; one that cannot be entered is Docker's 126. */
function changeToWorkingDir(kernel: Kernel, statusFd: number, dir: string): void {
  try {
    kernel.chdir(dir);
  } catch (err) {
    if (!(err instanceof SyscallError)) throw err;
    fail(kernel, statusFd, {
      message: `cannot use working directory "${dir}": ${err.code}`,
      exitCode: ExitCode.CANNOT_INVOKE,
    });
  }
  // A directory that getcwd(3) cannot name from the container's root is outside it (reached
  // through a descriptor left open, as /proc/self/fd/N): never the command's.
  try {
    Deno.cwd();
  } catch {
    fail(kernel, statusFd, {
      message: `cannot use working directory "${dir}": it is outside the container's root`,
      exitCode: ExitCode.CANNOT_INVOKE,
    });
  }
}

/** Set once the status pipe is closed before the exec FIFO wait: later failures go to stderr. */
let statusClosed = false;

function fail(kernel: Kernel, statusFd: number, failure: InitFailure): never {
  if (statusClosed) console.error(`dockergsh init: ${failure.message}`);
  else writeAll(kernel, statusFd, new TextEncoder().encode(JSON.stringify(failure)));
  Deno.exit(failure.exitCode);
}

/**
 * The OCI runtime's created state: tells `create` the container is ready
 * (the status pipe closes), then blocks opening the exec FIFO for writing
 * until `start` opens it for reading, and writes one byte that `start`
 * reads as "released". `fifo` is an O_PATH fd opened before pivot_root,
 * reopened through /proc/self/fd (as runc's init does).
 */
function awaitStart(kernel: Kernel, statusFd: number, fifo: number): void {
  kernel.close(statusFd);
  statusClosed = true;
  debug("init", "created: blocked on the exec FIFO until `start`");
  const fd = kernel.open(`/proc/self/fd/${fifo}`, O_WRONLY | O_CLOEXEC);
  writeAll(kernel, fd, new TextEncoder().encode("0"));
  kernel.close(fd);
  kernel.close(fifo);
}

/** The most of /etc/passwd or /etc/group the init reads. */
const MAX_ACCOUNT_FILE = 1 << 20;

/**
 * A small regular file of the container (read from inside it: a symlink
 * leads only to another of its files), or "" when the image has none or
 * it is anything else. The init holds every capability here, so the image
 * must not make it block (a FIFO), read the host's kernel log (a link to
 * /proc/kmsg) or without end (/dev/zero): opened non-blocking, a regular
 * file of at most 1 MiB, or nothing.
 */
function containerFile(kernel: Kernel, path: string): string {
  let fd: number;
  try {
    fd = kernel.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  } catch {
    return "";
  }
  try {
    const st = kernel.fstat(fd);
    if ((st.mode & S_IFMT) !== S_IFREG || st.size > MAX_ACCOUNT_FILE) return "";
    const buf = new Uint8Array(st.size);
    let got = 0;
    for (let n; got < buf.length && (n = kernel.read(fd, buf.subarray(got))) > 0;) got += n;
    return new TextDecoder().decode(buf.subarray(0, got));
  } finally {
    kernel.close(fd);
  }
}

/**
 * `process` with the user of `request` resolved in the container's own
 * /etc/passwd and /etc/group (the init's root is the container's now), and
 * HOME from the user's entry when the environment has none, as Docker sets it.
 * An unknown user is Docker's 125 for a container, its 126 for an exec.
 */
function withUser(
  kernel: Kernel,
  statusFd: number,
  process: Process,
  request: UserRequest | undefined,
  exec: boolean,
): Process {
  if (!request) return process;
  let resolved;
  try {
    resolved = resolveUser(
      request.user,
      request.groupAdd,
      containerFile(kernel, "/etc/passwd"),
      containerFile(kernel, "/etc/group"),
    );
  } catch (err) {
    const message = (err as Error).message;
    fail(
      kernel,
      statusFd,
      exec ? { message, exitCode: ExitCode.CANNOT_INVOKE } : {
        message: `Error response from daemon: ${message}`,
        exitCode: ExitCode.ENGINE,
      },
    );
  }
  const env = process.env ?? [];
  const home = env.some((e) => e.startsWith("HOME=")) ? [] : [`HOME=${resolved.home}`];
  return { ...process, user: { ...process.user, ...resolved.user }, env: [...env, ...home] };
}

/**
 * In a new user namespace, whose maps the parent has written by now: the
 * init becomes its root (uid and gid 0 inside). Until then it is a user
 * the namespace does not map, which may not make a file in the
 * container's own tmpfs or devpts (EOVERFLOW). From here the container's
 * root filesystem and binds must be reachable by the mapped root, as
 * with runc.
 */
function becomeNamespaceRoot(kernel: Kernel): void {
  kernel.setresgid(0);
  kernel.setgroups([]);
  kernel.setresuid(0);
  // Changed credentials reset dumpability to fs.suid_dumpable: not dumpable again.
  kernel.prctl(PR_SET_DUMPABLE, 0);
}

/**
 * A new container: build it, wait for its confinement and `start`
 * (`started`), enter its cgroups, confine the init, and become the user's
 * command.
 */
function runCreate(
  kernel: Kernel,
  statusFd: number,
  job: InitConfig,
  started: () => InitConfinement,
  nextLine: () => string | undefined,
): never {
  // Before the mount namespace changes: the FIFO is in the runtime's state directory.
  const fifo = job.execFifo === undefined
    ? undefined
    : kernel.open(job.execFifo, O_PATH | O_CLOEXEC);
  // Connected as this process is now: in a user namespace it is the host's
  // root until the next step, and the socket is in the caller's private directory.
  const consoleSocket = job.stdio.kind === "console"
    ? connectConsole(kernel, job.stdio.socket)
    : undefined;
  if (job.userNamespace) becomeNamespaceRoot(kernel);
  const stdioFds = buildContainer(
    kernel,
    job,
    () => openStdio(kernel, job.stdio, job.spec.root.path, consoleSocket),
    "",
    () => {
      const hooks = job.createContainer;
      if (!hooks) return;
      // Only after the runtime's createRuntime hooks: the parent says when.
      if (nextLine() !== CREATE_CONTAINER) Deno.exit(ExitCode.ENGINE);
      runHooksInContainer(kernel, "createContainer", hooks.hooks, hooks.state);
    },
  );
  if (job.sessionKeyring) joinContainerKeyring(kernel, job.sessionKeyring);
  changeToWorkingDir(kernel, statusFd, job.spec.process.cwd);
  const process = withUser(kernel, statusFd, job.spec.process, job.userRequest, false);
  const env = process.env ?? [];
  const found = lookupCommand(process.args[0], env);
  if ("failure" in found) fail(kernel, statusFd, found.failure);
  const confinement = started();
  enterCgroups(kernel, job, confinement.hostCgroups);
  attachStdio(kernel, job.stdio, stdioFds);
  // Nothing of the init's but fds 0-2 (and those the runtime was told to preserve) reaches the
  // command (the status pipe closes on exec). Before the seccomp filter, which may not allow
  // close_range(2) (runtime-tools' profile does not).
  kernel.cloexecFrom(3 + (job.preserveFds ?? 0));
  const limits = planRlimits(kernel, process.rlimits ?? []);
  const trampoline = limitsTrampoline(kernel, limits, found.path, process.args[0]);
  confineProcess(
    kernel,
    process,
    limits,
    confinement.seccompProgram === null ? undefined : decodeBase64(confinement.seccompProgram),
    () => {
      // Changed credentials reset dumpability to fs.suid_dumpable: not dumpable again.
      kernel.prctl(PR_SET_DUMPABLE, 0);
      if (fifo !== undefined) awaitStart(kernel, statusFd, fifo);
      const hooks = job.startContainer;
      if (hooks) runHooksInContainer(kernel, "startContainer", hooks.hooks, hooks.state);
    },
  );
  kernel.resetSignals();
  if (trampoline === undefined) kernel.execve(found.path, process.args, env);
  else kernel.execveat(trampoline, process.args, env);
}

/**
 * The program that sets the lowered address-space limits of `limits` and
 * then execs `path` (see limits_trampoline.ts), as a close-on-exec fd; none
 * when there are none. Made before the seccomp filter and the user switch,
 * which need not allow memfd_create.
 */
function limitsTrampoline(
  kernel: Kernel,
  limits: RlimitPlan,
  path: string,
  arg0: string,
): number | undefined {
  if (limits.atExec.length === 0) return undefined;
  debug(
    "init",
    `limits set after the init's execve: ${limits.atExec.map((r) => r.type).join(" ")}`,
  );
  return loadTrampoline(kernel, limits.atExec, path, arg0);
}

/**
 * `exec`: join the container's namespaces, confine this thread as the
 * container is confined, then spawn the command. The init itself stays in
 * the host's PID namespace, so no process that ever had the host's root is
 * visible from the container; the command is spawned into the container's
 * PID namespace (joined for children only) already in its mount namespace,
 * and non-dumpable until it execs, so nothing in the container can reach
 * the init's memory through it. The init waits for it and exits with its
 * status, or leaves it to the container's PID 1 with `detach`.
 */
function runExec(kernel: Kernel, statusFd: number, job: ExecConfig, started: () => void): never {
  // A terminal's path is the container's (/dev/pts/N): opened by the child, inside.
  const stdioFds = job.stdio.kind === "tty" ? undefined : openStdio(kernel, job.stdio);
  joinNamespaces(
    kernel,
    job.targetPid,
    job.namespaces,
    () =>
      isSameProcess(job.targetPid, job.targetStartTime) &&
      // Joined by nsenter(1) before this process started: the container's, not a recycled PID's.
      (!job.namespaces.includes("user") ||
        Deno.readLinkSync("/proc/self/ns/user") ===
          Deno.readLinkSync(`/proc/${job.targetPid}/ns/user`)),
  );
  if (job.sessionKeyring !== undefined) joinContainerKeyring(kernel, job.sessionKeyring);
  changeToWorkingDir(kernel, statusFd, job.process.cwd);
  const process = withUser(kernel, statusFd, job.process, job.userRequest, true);
  const env = process.env ?? [];
  const found = lookupCommand(process.args[0], env);
  if ("failure" in found) fail(kernel, statusFd, found.failure);
  started();
  // The command gets none of this process's fds but 0-2: marked before the seccomp filter,
  // which may not allow close_range(2).
  kernel.cloexecFrom(3);
  const limits = planRlimits(kernel, process.rlimits ?? []);
  const trampoline = limitsTrampoline(kernel, limits, found.path, process.args[0]);
  confineProcess(
    kernel,
    process,
    limits,
    job.seccompProgram === undefined ? undefined : decodeBase64(job.seccompProgram),
  );
  kernel.prctl(PR_SET_DUMPABLE, 0);
  // With a terminal, the child opens it itself (/dev/pts/N of the container) so that
  // it becomes its controlling tty.
  const { stdio } = job;
  const terminal = stdio.kind === "tty" ? stdio.slavePath : undefined;
  if (!terminal) attachStdio(kernel, stdio, stdioFds);
  // The child is in the container's PID namespace and /proc: its /proc/self is itself.
  const program = trampoline === undefined ? found.path : `/proc/self/fd/${trampoline}`;
  let pid: number;
  try {
    pid = kernel.spawn(program, process.args, env, { terminal, newSession: true });
  } catch (err) {
    if (!(err instanceof SyscallError)) throw err;
    fail(kernel, statusFd, {
      message: `exec: "${process.args[0]}": ${err.code}`,
      exitCode: err.code === "ENOENT" ? ExitCode.NOT_FOUND : ExitCode.CANNOT_INVOKE,
    });
  }
  if (job.reportPid) writeAll(kernel, statusFd, new TextEncoder().encode(JSON.stringify({ pid })));
  kernel.close(statusFd);
  debug("init", `exec'd ${found.path} as pid ${pid} (host PID namespace view: the init's child)`);
  if (job.detach) Deno.exit(0);
  Deno.exit(exitStatusCode(kernel.waitpid(pid, 0).status));
}

/**
 * `line` as a create job's confinement, or undefined when it is not one
 * (`start` or anything else where the confinement is due).
 */
function confinementOf(line: string): InitConfinement | undefined {
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    return undefined;
  }
  const program = message?.seccompProgram;
  const cgroups = message?.hostCgroups;
  const valid = message?.kind === "confinement" &&
    (program === null || typeof program === "string") &&
    typeof cgroups === "object" && cgroups !== null;
  return valid ? message : undefined;
}

/** This process's parent, by host PID (/proc is still the host's when this is asked). */
function parentPid(): number {
  return Number(statFields("self")?.[1]);
}

/**
 * Waits until `parent` has adopted this process: the helper that forked
 * it into its user and PID namespaces is killed by `parent`, a subreaper,
 * right after (see spawnInUserNamespace). Tying this process's life to
 * the helper's first would kill it with the helper.
 */
function awaitAdoption(parent: number): void {
  const deadline = Date.now() + HELPER_FORK_MS;
  while (parentPid() !== parent) {
    if (Date.now() > deadline) Deno.exit(ExitCode.ENGINE);
    sleepSync(1);
  }
}

/**
 * Entry point of `dockergsh init`. Does not return: it execs or exits. The
 * trace of its kernel calls is loaded only under `--debug` (a start does
 * not read its module otherwise).
 */
export async function containerInit(): Promise<void> {
  const kernel = debugEnabled()
    ? (await import("../kernel_trace.ts")).traced(new LinuxKernel(), "init")
    : new LinuxKernel();
  const fds = (Deno.env.get(INIT_FDS_ENV) ?? "").split(",").map(Number);
  if (fds.length !== 2 || fds.some((fd) => !Number.isInteger(fd) || fd < 3)) {
    console.error("dockergsh init: run by dockergsh only (no channel fds in the environment)");
    Deno.exit(ExitCode.ENGINE);
  }
  const [configFd, statusFd] = fds;
  // This program's own files, open only to start it (see selfCommandByFd): closed before anything.
  for (const fd of (Deno.env.get(INIT_PROGRAM_FDS_ENV) ?? "").split(",").filter((f) => f)) {
    kernel.close(Number(fd));
  }
  const parent = Deno.env.get(INIT_PARENT_ENV);
  if (parent !== undefined) awaitAdoption(Number(parent));
  // Until `start`, the init dies with the parent that spawned it: a parent
  // killed midway must not leave it behind, with every capability, in the
  // middle of an image's files (an `/etc/passwd` made to block, say).
  kernel.prctl(PR_SET_PDEATHSIG, SIGNALS.SIGKILL);
  // Orphaned again before the line above: that parent is gone.
  if (parent !== undefined && parentPid() !== Number(parent)) Deno.exit(ExitCode.ENGINE);
  // Not dumpable, as runc's init: nothing in the container (an exec, a
  // startContainer hook) may reach this process's memory or descriptors
  // through /proc/<pid>/ (Deno's caches, the exec FIFO). execve makes the
  // user's command dumpable again.
  kernel.prctl(PR_SET_DUMPABLE, 0);
  // The status pipe must close on a successful execve: that EOF is the parent's "started".
  kernel.setCloexec(configFd, true);
  kernel.setCloexec(statusFd, true);
  try {
    kernel.setsid();
    const messages = new LineReader(kernel, configFd);
    const job = JSON.parse(messages.next() ?? "null") as InitJob | null;
    if (job === null) Deno.exit(ExitCode.ENGINE); // the parent gave up before sending it
    debug("init", `${job.kind} job received`);
    // The parent has put this process in its cgroups (and network): go on, or stop here.
    const started = () => {
      const line = messages.next();
      kernel.close(configFd);
      if (line !== START) Deno.exit(ExitCode.ENGINE);
      debug("init", "start received");
      // From here the container outlives its parent, as Docker's does.
      kernel.prctl(PR_SET_PDEATHSIG, 0);
    };
    // A create job's confinement comes before `start`; without it, nothing runs.
    const confinedStart = (): InitConfinement => {
      const line = messages.next();
      if (line === undefined) Deno.exit(ExitCode.ENGINE); // the parent gave up
      const confinement = confinementOf(line);
      if (!confinement) {
        kernel.close(configFd);
        fail(kernel, statusFd, {
          message: "the runtime sent no confinement (seccomp filter) before start: not started",
          exitCode: ExitCode.ENGINE,
        });
      }
      debug("init", "confinement received");
      started();
      return confinement;
    };
    kernel.umask(0o022);
    if (job.kind === "create") {
      runCreate(kernel, statusFd, job, confinedStart, () => messages.next());
    } else runExec(kernel, statusFd, job, started);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    let exitCode: number = ExitCode.ENGINE;
    // The command's exec, or the limits trampoline's in its place: Docker's 127 and 126.
    if (err instanceof SyscallError && (err.call === "execve" || err.call === "execveat")) {
      exitCode = err.code === "ENOENT" ? ExitCode.NOT_FOUND : ExitCode.CANNOT_INVOKE;
    }
    fail(kernel, statusFd, { message, exitCode });
  }
}
