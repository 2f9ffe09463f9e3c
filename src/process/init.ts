/**
 * The container init: dockergsh re-executed as `dockergsh init` inside the
 * new namespaces. It waits for its config from the parent, builds the
 * container's root filesystem, and execve's the user's command, which then
 * is PID 1 of the container.
 *
 * This runs on every container start: it imports no CLI code and no npm.
 *
 * @module
 */

import { O_APPEND, O_CLOEXEC, O_CREAT, O_RDONLY, O_RDWR, O_WRONLY } from "../../ffi/constants.ts";
import { SyscallError } from "../../ffi/errno.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { LinuxKernel } from "../../ffi/linux.ts";
import { debug, traced } from "../debug.ts";
import { ExitCode } from "../errors.ts";
import { bindInto } from "../rootfs/binds.ts";
import { makeMountsPrivate, mountOverlay } from "../rootfs/overlay.ts";
import { pivotInto } from "../rootfs/pivot.ts";
import { bindConsole, mountDev, mountProc, mountSys } from "../rootfs/special_fs.ts";
import { readAll, writeAll } from "./channel.ts";
import type { InitConfig, InitFailure, InitJob, InitStdio } from "./init_config.ts";
import { INIT_FDS_ENV } from "./init_config.ts";
import { lookupCommand } from "./lookup.ts";
import { joinNamespaces } from "./namespaces.ts";

/** Opens what will become fds 0-2; done before pivot_root, while host paths resolve. */
export function openStdio(kernel: Kernel, stdio: InitStdio): number[] | undefined {
  switch (stdio.kind) {
    case "inherit":
      return undefined;
    case "tty": {
      const fd = kernel.open(stdio.slavePath, O_RDWR | O_CLOEXEC);
      return [fd, fd, fd];
    }
    case "log": {
      const nul = kernel.open("/dev/null", O_RDONLY | O_CLOEXEC);
      const log = kernel.open(stdio.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600);
      return [nul, log, log];
    }
  }
}

/**
 * Builds the container from inside its new namespaces, in the order the
 * kernel needs: private propagation, overlay, binds (while host paths still
 * resolve), /dev, pivot_root, /proc and /sys, hostname, loopback.
 *
 * `openStdio` runs just before pivot_root (its paths are host paths) and
 * returns the fds that become 0-2. With a terminal, its slave is also
 * bind-mounted on /dev/console (as runc does): the slave lives in the host's
 * devpts, which the container cannot see, and the console bind gives
 * `tty`/ttyname() a path inside the container that names it.
 * `newRoot` is where "/" is after pivot_root: "" for real; tests that record
 * kernel calls without pivoting point it at the merged directory.
 */
export function buildContainer(
  kernel: Kernel,
  config: InitConfig,
  openStdio: () => number[] | undefined,
  newRoot = "",
): number[] | undefined {
  const root = config.layers.merged;
  makeMountsPrivate(kernel);
  mountOverlay(kernel, config.layers);
  for (const bind of config.binds) bindInto(kernel, root, bind);
  bindInto(kernel, root, {
    source: config.etcFiles.hostname,
    destination: "/etc/hostname",
    readOnly: false,
  });
  bindInto(kernel, root, {
    source: config.etcFiles.hosts,
    destination: "/etc/hosts",
    readOnly: false,
  });
  bindInto(kernel, root, {
    source: config.etcFiles.resolvConf,
    destination: "/etc/resolv.conf",
    readOnly: false,
  });
  const fds = openStdio();
  // /dev before pivot_root: the console bind's source (the host's devpts)
  // must still be in this mount namespace's tree when it is bound.
  mountDev(kernel, root, config.stdio.kind === "tty" ? config.stdio.devpts : undefined);
  if (config.stdio.kind === "tty" && fds) bindConsole(kernel, fds[0], root);
  pivotInto(kernel, root);
  mountProc(kernel, newRoot);
  mountSys(kernel, newRoot);
  kernel.sethostname(config.hostname);
  if (config.ownNetwork) kernel.linkUp("lo");
  return fds;
}

/** Makes `fds` the process's stdin, stdout and stderr. */
function attachStdio(kernel: Kernel, stdio: InitStdio, fds: number[] | undefined): void {
  if (!fds) return;
  fds.forEach((fd, target) => kernel.dup2(fd, target));
  if (stdio.kind === "tty") kernel.setControllingTty(0);
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
}

function fail(kernel: Kernel, statusFd: number, failure: InitFailure): never {
  writeAll(kernel, statusFd, new TextEncoder().encode(JSON.stringify(failure)));
  Deno.exit(failure.exitCode);
}

/** Puts the process where its job says: a new container, or inside a running one. */
function enter(kernel: Kernel, job: InitJob): number[] | undefined {
  if (job.kind === "create") return buildContainer(kernel, job, () => openStdio(kernel, job.stdio));
  const stdioFds = openStdio(kernel, job.stdio);
  joinNamespaces(kernel, job.targetPid, job.namespaces);
  return stdioFds;
}

/** Entry point of `dockergsh init`. Does not return: it execs or exits. */
export function containerInit(): void {
  const kernel = traced(new LinuxKernel(), "init");
  const fds = (Deno.env.get(INIT_FDS_ENV) ?? "").split(",").map(Number);
  if (fds.length !== 2 || fds.some((fd) => !Number.isInteger(fd) || fd < 3)) {
    console.error("dockergsh init: run by dockergsh only (no channel fds in the environment)");
    Deno.exit(ExitCode.ENGINE);
  }
  const [configFd, statusFd] = fds;
  // The status pipe must close on a successful execve: that EOF is the parent's "started".
  kernel.setCloexec(configFd, true);
  kernel.setCloexec(statusFd, true);
  try {
    kernel.setsid();
    const job = JSON.parse(new TextDecoder().decode(readAll(kernel, configFd))) as InitJob;
    kernel.close(configFd);
    debug("init", `${job.kind} job received`);
    kernel.umask(0o022);
    const stdioFds = enter(kernel, job);
    // run creates a missing working directory (as Docker); exec requires it to exist.
    if (job.kind === "create") Deno.mkdirSync(job.workingDir, { recursive: true });
    changeToWorkingDir(kernel, statusFd, job.workingDir);
    const found = lookupCommand(job.cmd[0], job.env);
    if ("failure" in found) fail(kernel, statusFd, found.failure);
    attachStdio(kernel, job.stdio, stdioFds);
    kernel.resetSignals();
    kernel.execve(found.path, job.cmd, job.env);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    let exitCode: number = ExitCode.ENGINE;
    if (err instanceof SyscallError && err.call === "execve") {
      exitCode = err.code === "ENOENT" ? ExitCode.NOT_FOUND : ExitCode.CANNOT_INVOKE;
    }
    fail(kernel, statusFd, { message, exitCode });
  }
}
