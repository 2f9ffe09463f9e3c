/**
 * `start`: bring a created (or exited) container to running. The steps, in
 * order: pseudo-terminal (for -t), the init spawned in the container's
 * namespaces, the container's OCI bundle written from its record, then the
 * runtime's own launch of it (src/runtime/launch.ts, the code
 * `dockergsh-runc create` runs): cgroups with their limits and, before the
 * init may start, the engine's network wiring and /etc/hosts; the runtime
 * waits until the init has exec'd the user's command (no exec FIFO: the
 * engine starts it at once), and the engine records it running. A failure
 * at any step undoes the steps before it.
 *
 * @module
 */

import { engineKeyring } from "../security/session_keyring.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { MNT_DETACH } from "../../ffi/constants.ts";
import { SyscallError } from "../../ffi/errno.ts";
import { debug } from "../debug.ts";
import { ExitCode, UserError } from "../errors.ts";
import { ImageStore } from "../image/store.ts";
import type { InitStdio } from "../process/init_config.ts";
import { mountDevptsInstance } from "../rootfs/devices.ts";
import { InitError } from "../runtime/errors.ts";
import { type ContainerInit, spawnContainerInit } from "../runtime/init_spawn.ts";
import { launchContainer } from "../runtime/launch.ts";
import { needsSpace } from "../store/disk_full.ts";
import { withLockAsync } from "../store/lock.ts";
import { recordEvent } from "../events/events.ts";
import { eventSubject } from "./events.ts";
import type { StateRoot } from "../store/paths.ts";
import { UndoStack, withUndoErrors } from "../_undo.ts";
import { lstatOrUndefined } from "../_fs.ts";
import { type AttachMode, initSpawnStdio } from "./attach_mode.ts";
import { writeBundle } from "./container_bundle.ts";
import { containerPaths } from "./paths.ts";
import {
  capabilityList,
  containerNamespaces,
  containerSpec,
  securityOf,
} from "./container_spec.ts";
import { containerSeccomp, withSeccompAdvice } from "./container_seccomp.ts";
import { writeHostsFiles } from "./container_runtime.ts";
import { isPseudoNetwork } from "./network_mode.ts";
import { prepareUpper } from "./volatile_upper.ts";
import type { ContainerRecord, NetworkEndpoint } from "./record.ts";
import { assertAllowed, transition } from "./state.ts";
import { ContainerStore, startLock } from "./store.ts";

/** A running container and the handles the caller needs to wait for it. */
export interface StartedContainer {
  record: ContainerRecord;
  child: Deno.ChildProcess;
  /** The pty master when attached with -t. */
  ttyMaster?: number;
}

/**
 * Records that container `id`'s command could not be started, as Docker
 * does: why, and 126 or 127 when the command could not be invoked or was
 * not found (measured). Another failure of the init's set-up leaves the
 * exit code as it was (Docker's then follows its reading of runc's words).
 * A record that cannot be written (a full disk) leaves the start's own
 * error to be reported.
 */
function noteFailedStart(store: ContainerStore, id: string, err: InitError): void {
  const invoked = err.initExitCode === ExitCode.CANNOT_INVOKE ||
    err.initExitCode === ExitCode.NOT_FOUND;
  try {
    store.update(id, (rec) => ({
      ...rec,
      state: transition(rec.state, {
        kind: "startFailed",
        exitCode: invoked ? err.initExitCode : undefined,
        error: err.message,
      }),
    }));
  } catch (noted) {
    debug("start", `${id.slice(0, 12)}: failed start not recorded: ${noted}`);
  }
}

/** Removes the host's mount of the container's devpts (the container keeps its own). */
function unmountStaging(kernel: Kernel, dir: string): void {
  try {
    kernel.umount2(dir, MNT_DETACH);
    Deno.removeSync(dir);
  } catch (err) {
    if (!(err instanceof SyscallError) && !(err instanceof Deno.errors.NotFound)) throw err;
  }
}

/**
 * Starts `record`'s container; resolves once the user's command is PID 1.
 * `ahead` is its init when the caller spawned it already (`run`, for the
 * stdio and namespaces of `mode`); from here on it is this start's to stop
 * on failure. `attach` runs once the init has its job, before it may
 * start (see LaunchOptions.whileJoining): an attached caller's relay of
 * its output. A full disk under the state root is one NoSpaceError.
 */
export function startContainer(
  root: StateRoot,
  kernel: Kernel,
  record: ContainerRecord,
  mode: AttachMode,
  ahead?: ContainerInit,
  attach?: () => void,
): Promise<StartedContainer> {
  // One start of a container at a time, across processes (a CLI's `start -a`, the
  // monitor's): the second sees the first's run and is refused, instead of two inits
  // sharing one upper directory.
  return needsSpace(root, () =>
    withLockAsync(root, startLock(record.id), async () => {
      let fresh: ContainerRecord;
      try {
        fresh = new ContainerStore(root).get(record.id);
      } catch (err) {
        await ahead?.stop();
        throw err;
      }
      return start(root, kernel, fresh, mode, ahead, attach);
    }));
}

async function start(
  root: StateRoot,
  kernel: Kernel,
  record: ContainerRecord,
  mode: AttachMode,
  ahead: ContainerInit | undefined,
  attach: (() => void) | undefined,
): Promise<StartedContainer> {
  const store = new ContainerStore(root);
  const paths = containerPaths(root, record.id);
  const cfg = record.config;
  const undo = new UndoStack();
  if (ahead) undo.push(ahead.stop);
  try {
    assertAllowed(record.state.status, "start");
    // A --rm container's changes are never kept: not synced either. Checked first: a
    // refused upper makes nothing.
    prepareUpper(root, kernel, record.id, cfg.autoRemove);
    let stdio: InitStdio = {
      kind: "log",
      path: paths.log,
      stderrPath: paths.stderrLog,
      keepStdin: cfg.openStdin,
    };
    let ttyMaster: number | undefined;
    if (mode === "tty") {
      // The terminal comes from a devpts instance that becomes the container's
      // /dev/pts, so inside it is /dev/pts/0, as in Docker. Mounted here
      // until the init has bound it.
      Deno.mkdirSync(paths.devpts, { recursive: true, mode: 0o700 });
      mountDevptsInstance(kernel, paths.devpts);
      undo.push(() => unmountStaging(kernel, paths.devpts));
      const pty = kernel.openPty(`${paths.devpts}/ptmx`);
      ttyMaster = pty.master;
      undo.push(() => kernel.close(pty.master));
      // Sized before the command starts: a shell reads its size once, at start-up.
      if (Deno.stdin.isTerminal()) kernel.setWinSize(pty.master, kernel.getWinSize(0));
      stdio = { kind: "tty", slavePath: `${paths.devpts}/${pty.index}`, devpts: paths.devpts };
    } else if (mode === "foreground") {
      stdio = { kind: "inherit" };
    }

    // The init first: its start-up overlaps the rest of its bundle being
    // made, its root filesystem (which needs no limits) the cgroup and
    // network set-up.
    const namespaces = { linux: { namespaces: containerNamespaces(cfg) } };
    const init = ahead ??
      spawnContainerInit(kernel, namespaces, initSpawnStdio(mode, cfg.openStdin), undo);
    // On a network: its stack is loaded, and the host's firewall rules
    // listed (its check repairs a flushed one), while the bundle is made.
    // The network stack is loaded only for a container that joins a network.
    const network = isPseudoNetwork(cfg.networkMode)
      ? undefined
      : import("./container_network.ts").then((module) => ({
        module,
        rules: module.prefetchRules(),
      }));
    network?.catch(() => {}); // a failed import is reported where it is awaited
    const security = securityOf(cfg);
    const seccomp = await containerSeccomp(root, kernel, security, capabilityList(security));
    const spec = containerSpec(record.id, cfg, {
      root: paths.merged,
      etcFiles: { hostname: paths.hostname, hosts: paths.hosts, resolvConf: paths.resolvConf },
      devpts: mode === "tty" ? paths.devpts : undefined,
    }, seccomp);
    const bundle = writeBundle(paths.bundle, spec);

    // Docker makes a missing host directory of `-v`; an existing file is bound as a file.
    for (const bind of cfg.binds) {
      if (!lstatOrUndefined(bind.source)) Deno.mkdirSync(bind.source, { recursive: true });
    }
    let endpoint: NetworkEndpoint | undefined;
    let launched;
    try {
      launched = await launchContainer(kernel, record.id, bundle, init, {
        stdio,
        overlay: {
          lower: new ImageStore(root).layerDirs(cfg.imageId).join(":"),
          upper: paths.upper,
          work: paths.work,
          volatile: cfg.autoRemove,
        },
        userRequest: { user: security.user ?? "", groupAdd: security.groupAdd },
        seccompCache: root.seccompPrograms,
        sessionKeyring: engineKeyring(record.id),
        whileJoining: attach,
        beforeStart: async (pid) => {
          if (network) {
            const { module, rules } = await network;
            endpoint = await module.attachContainerNetwork(root, record, pid, rules);
            if (endpoint) {
              undo.push(() => module.detachContainerNetwork(root, { ...record, endpoint }));
            }
          }
          await writeHostsFiles(root, record, endpoint);
        },
      }, undo);
    } catch (err) {
      if (err instanceof InitError) {
        noteFailedStart(store, record.id, err);
        throw new UserError(`dockergsh: ${err.message}`, err.initExitCode);
      }
      throw withSeccompAdvice(err);
    }
    const { pid, pidStartTime } = launched.record;
    debug("start", `user command exec'd as PID 1: ${JSON.stringify(cfg.cmd)}`);
    if (mode === "tty") unmountStaging(kernel, paths.devpts);
    const running = store.update(record.id, (rec) => ({
      ...rec,
      endpoint,
      state: transition(rec.state, {
        kind: "start",
        pid,
        pidStartTime,
        at: new Date().toISOString(),
      }),
    }));
    undo.commit();
    recordEvent(root, "start", eventSubject(running));
    return { record: running, child: launched.child, ttyMaster };
  } catch (err) {
    throw withUndoErrors(err, await undo.unwind());
  }
}
