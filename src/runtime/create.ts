/**
 * `create`: a container from a bundle, left in the `created` state. The
 * steps, in order: check the bundle, make the state directory and its
 * exec FIFO, spawn and launch the init as launch.ts does (the engine's
 * `start` runs the same code), writing the record once it exists; once
 * the init is blocked on the FIFO, write the pid file and return, leaving
 * it to the caller (a subreaper, such as containerd's shim, inherits it).
 * A failure at any step undoes every step before it.
 *
 * @module
 */

import { S_IFIFO } from "../../ffi/constants.ts";
import { SyscallError } from "../../ffi/errno.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { debug } from "../debug.ts";
import type { InitStdio } from "../process/init_config.ts";
import { runtimeKeyring } from "../security/session_keyring.ts";
import { writeFileAtomic } from "../store/atomic.ts";
import { UndoStack, withUndoErrors } from "../_undo.ts";
import { type Bundle, consoleSize, loadBundle } from "./bundle.ts";
import { RuntimeError } from "./errors.ts";
import { spawnContainerInit } from "./init_spawn.ts";
import { launchContainer } from "./launch.ts";
import { lockContainer } from "./lock.ts";
import type { RuntimeRoot } from "./paths.ts";
import { writeRecord } from "./record.ts";

/** `create`'s flags. */
export interface CreateOptions {
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  /** Move the root over the old one and chroot instead of pivot_root(2) (runc's `--no-pivot`). */
  noPivot?: boolean;
  /** Keep the caller's session keyring instead of one of the container's own. */
  noNewKeyring?: boolean;
  /** How many of this process's descriptors from 3 on the container's process gets (`--preserve-fds`). */
  preserveFds?: number;
}

/**
 * `--preserve-fds N`: fds 3 to 3+N-1 must be open and not close-on-exec.
 * A descriptor inherited through execve never is; one this process opened
 * itself (Deno's, its log's) always is, and must not reach the container.
 */
function checkPreservedFds(kernel: Kernel, count: number): void {
  for (let fd = 3; fd < 3 + count; fd++) {
    let inherited: boolean;
    try {
      inherited = !kernel.isCloexec(fd);
    } catch (err) {
      if (!(err instanceof SyscallError)) throw err;
      throw new RuntimeError(`--preserve-fds ${count}: fd ${fd} is not open`);
    }
    if (!inherited) {
      throw new RuntimeError(`--preserve-fds ${count}: fd ${fd} is not one this runtime was given`);
    }
  }
}

/**
 * `--console-socket` and `process.terminal` go together; both refused before anything is made.
 * Maps without a user namespace have nothing to map: as runc, they are ignored, with a warning.
 */
function checkCreate(bundle: Bundle, opts: CreateOptions): void {
  const { spec } = bundle;
  const userns = (spec.linux?.namespaces ?? []).some((ns) => ns.type === "user");
  if (opts.noPivot && userns) {
    throw new RuntimeError(
      "--no-pivot with a user namespace is refused: the host's mounts copied into it are locked " +
        "there and could not be detached",
    );
  }
  if (!userns && (spec.linux?.uidMappings?.length || spec.linux?.gidMappings?.length)) {
    console.error(
      "dockergsh-runc: warning: linux.uidMappings/gidMappings ignored: no user namespace is asked for",
    );
  }
  if (spec.process.terminal && opts.consoleSocket === undefined) {
    throw new RuntimeError("process.terminal is set: --console-socket is required");
  }
  if (!spec.process.terminal && opts.consoleSocket !== undefined) {
    throw new RuntimeError("--console-socket is given but process.terminal is not set");
  }
}

/** A created container's init, still this process's child. */
export interface CreatedContainer {
  pid: number;
  /** Settles when the init exits (`run` waits for it; `create` exits and leaves it). */
  exited: Promise<Deno.CommandStatus>;
}

/** Creates container `id` from `opts.bundle` under `root`. */
export async function createContainer(
  root: RuntimeRoot,
  kernel: Kernel,
  id: string,
  opts: CreateOptions,
): Promise<CreatedContainer> {
  const paths = root.container(id);
  const bundle = loadBundle(opts.bundle);
  checkCreate(bundle, opts);
  checkPreservedFds(kernel, opts.preserveFds ?? 0);
  const { spec } = bundle;

  root.ensure();
  try {
    Deno.mkdirSync(paths.dir, { mode: 0o700 });
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) {
      throw new RuntimeError(`container with id exists: ${id}`);
    }
    throw err;
  }
  const undo = new UndoStack();
  undo.push(() => Deno.removeSync(paths.dir, { recursive: true }));
  const lock = await lockContainer(paths, id);
  try {
    // Anyone may write it (the init may no longer be root when it opens it); only root can reach it.
    kernel.mknod(paths.fifo, S_IFIFO | 0o622, 0, 0);
    Deno.chmodSync(paths.fifo, 0o622);

    // Without a terminal the container's stdio are this process's (the caller's pipes). With
    // one, the init's are /dev/null until it has the terminal: a caller reading this
    // process's output to its end (containerd's shim does) must not wait on the init's copies.
    const inherited = opts.consoleSocket === undefined ? "inherit" : "null";
    const stdio: InitStdio = opts.consoleSocket === undefined
      ? { kind: "inherit" }
      : { kind: "console", socket: opts.consoleSocket, size: consoleSize(spec.process) };
    const init = spawnContainerInit(kernel, spec, {
      stdin: inherited,
      stdout: inherited,
      stderr: inherited,
    }, undo);
    const launched = await launchContainer(kernel, id, bundle, init, {
      stdio,
      execFifo: paths.fifo,
      noPivot: opts.noPivot,
      sessionKeyring: opts.noNewKeyring ? undefined : runtimeKeyring(id),
      preserveFds: opts.preserveFds,
      seccompCache: root.seccompCache,
      // Before the cgroup is made: a create killed midway leaves a record that
      // `delete --force` finds the cgroup by.
      spawned: (record) => writeRecord(paths, record),
    }, undo);
    debug("create", "created: the init waits on the exec FIFO for `start`");
    const { pid } = launched.record;
    if (opts.pidFile !== undefined) writeFileAtomic(opts.pidFile, `${pid}`);
    undo.commit();
    return { pid, exited: launched.status };
  } catch (err) {
    throw withUndoErrors(err, await undo.unwind());
  } finally {
    lock.release();
  }
}
